# `frugal data get` against a real S3 server (s3rver) and a plain HTTP server on loopback: a miss
# downloads, a hit answers without the network, a flipped byte is caught and fetched again,
# --revalidate notices a changed object, N processes download one object once, gc bounds the size.
source "$(dirname "$0")/lib.bash"
s3rver="$(cd "$(dirname "$0")/../.." && pwd)/node_modules/.bin/s3rver"
if [[ ! -x "$s3rver" ]]; then
  echo "SKIP: s3rver is not installed (npm ci at the repository root installs it)"
  exit 200
fi
mkdir s3data www
"$s3rver" --directory s3data --port 0 --configure-bucket train >s3rver.log 2>&1 &
server=$!
head -c 3000000 /dev/urandom > www/shard.bin
python3 -m http.server 0 --bind 127.0.0.1 --directory www >http.log 2>&1 &
http_server=$!
trap 'kill $server $http_server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "listening on" s3rver.log 2>/dev/null && grep -q "Serving HTTP" http.log 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' s3rver.log)
http_port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' http.log | head -1)
[[ -n "$port" && -n "$http_port" ]] || fail "servers did not start: $(cat s3rver.log http.log)"
export FRUGAL_S3_ENDPOINT="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
s3() { curl -sf -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER "$@"; }
head -c 2000000 /dev/urandom > shard-0001.tar
s3 -T shard-0001.tar "$FRUGAL_S3_ENDPOINT/train/shards/shard-0001.tar" || fail "upload to s3rver"

url=s3://train/shards/shard-0001.tar
run_status "$FRUGAL" data get "$url"
expect_eq "$STATUS" 0 "s3 miss: $ERR"
expect_contains "$ERR" "miss $url (2.0 MB)" "a miss is reported"
path=$OUT
cmp -s "$path" shard-0001.tar || fail "the cached copy differs from the object"
[[ "$ERR" != *$'\033'* ]] || fail "no progress codes when stderr is no terminal: $ERR"

# On a terminal, a download shows how far it is (script(1) gives the command a terminal; a cache of
# its own keeps the counts below to the two objects).
s3 -T shard-0001.tar "$FRUGAL_S3_ENDPOINT/train/shards/shard-0002.tar" || fail "upload to s3rver"
FRUGAL_HOME="$WORK/tty-home" script -qec "$FRUGAL data get s3://train/shards/shard-0002.tar" /dev/null >tty.out 2>&1 || fail "get on a terminal: $(cat tty.out)"
expect_contains "$(cat tty.out)" "s3://train/shards/shard-0002.tar: " "the progress line names the object"
expect_contains "$(cat tty.out)" " of 2.0 MB, " "and how much of it is here"

kill -STOP "$server"  # a hit must not need the server
run_status timeout 5 "$FRUGAL" data get "$url"
kill -CONT "$server"
expect_eq "$STATUS" 0 "hit with the server paused"
expect_eq "$OUT" "$path" "a hit gives the same path"
expect_eq "$ERR" "" "a hit is quiet"

chmod u+w "$path"
printf 'X' | dd of="$path" bs=1 seek=1000 conv=notrunc status=none  # flip a byte
run_status "$FRUGAL" data get "$url"
expect_contains "$ERR" "refetched" "a corrupted copy is fetched again"
cmp -s "$path" shard-0001.tar || fail "the refetched copy differs"

head -c 2000000 /dev/urandom > shard-0001.tar
s3 -T shard-0001.tar "$FRUGAL_S3_ENDPOINT/train/shards/shard-0001.tar" || fail "second upload"
run_status "$FRUGAL" data get "$url"
expect_eq "$ERR" "" "without --revalidate the local copy is served"
run_status "$FRUGAL" data get --revalidate "$url"
expect_contains "$ERR" "refetched" "--revalidate notices the new ETag"
cmp -s "$path" shard-0001.tar || fail "the revalidated copy is the new object"

run_status "$FRUGAL" data get s3://train/shards/missing.tar
expect_eq "$STATUS" 2 "a missing object"
expect_contains "$ERR" "s3://train/shards/missing.tar" "the error names the URL"

# Plain HTTP, four processes at once: one download.
web="http://127.0.0.1:$http_port/shard.bin"
pids=()
for i in 1 2 3 4; do
  "$FRUGAL" data get "$web" >"get$i.out" 2>"get$i.err" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || fail "a concurrent get failed: $(cat get*.err)"; done
expect_eq "$(cat get*.err | grep -c miss)" 1 "four processes, one download"
expect_eq "$(sort -u get*.out | wc -l)" 1 "all got the same path"
cmp -s "$(cat get1.out)" www/shard.bin || fail "http copy differs"

run_status "$FRUGAL" --format csv data stats
expect_eq "$(tail -1 <<<"$OUT" | cut -d, -f1,2)" "2,5000000" "two objects, their bytes"

# Hits count the egress they avoided at the configured price (loopback servers are "other").
export FRUGAL_EGRESS_USD_PER_GB="aws=0.09,other=0.5"
"$FRUGAL" data get "$web" >/dev/null || fail "a hit on the web object"
run_status "$FRUGAL" --format csv data stats
avoided=$(tail -1 <<<"$OUT" | cut -d, -f10)
expect_eq "$avoided" "0.0015" "3 MB served from disk at \$0.50/GB"
run_status "$FRUGAL" report --since 1d
expect_contains "$OUT" "saved by data cache:" "the report shows the egress avoided"

# A pinned object survives gc; the endpoint and region can be given as flags.
run_status "$FRUGAL" data pin "$web"
expect_eq "$STATUS" 0 "pin"
run_status "$FRUGAL" data gc --max-size 4M
expect_contains "$ERR" "evicted 1 object (2.0 MB freed)" "gc evicts the least recently used"
run_status "$FRUGAL" data gc --max-size 0
expect_contains "$ERR" "evicted 0 objects" "the pinned object stays"
expect_contains "$ERR" "1 pinned kept" "gc says why"
cmp -s "$(cat get1.out)" www/shard.bin || fail "the pinned copy is intact"
"$FRUGAL" data unpin "$web" || fail "unpin"
run_status "$FRUGAL" data gc --max-size 0
expect_contains "$ERR" "evicted 1 object" "unpinned, it goes"

run_status env -u FRUGAL_S3_ENDPOINT "$FRUGAL" data get --endpoint "http://127.0.0.1:$port" --region us-east-1 "$url"
expect_eq "$STATUS" 0 "--endpoint: $ERR"
cmp -s "$OUT" shard-0001.tar || fail "--endpoint fetched the object"
run_status "$FRUGAL" data get --endpoint "127.0.0.1:$port" s3://train/other.tar
expect_eq "$STATUS" 2 "an endpoint without a scheme"
expect_contains "$ERR" "expected http://host" "the error says what an endpoint looks like"
run_status "$FRUGAL" data get --min-free 120% "$web"
expect_eq "$STATUS" 2 "a bad --min-free"
expect_contains "$ERR" "--min-free '120%'" "the error names the flag and value"
echo ok
