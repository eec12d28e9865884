# `frugal data get s3://…` of objects stored with SHA-256 checksums, from an S3 double that answers
# with S3's own headers (s3rver keeps no checksums) and checks each request's SigV4 signature with
# botocore where it is installed (s3rver checks none): a multipart object, whose checksum is
# composite ("<base64>-3", x-amz-checksum-type: COMPOSITE), is downloaded, also after a cut
# connection (a signed, ranged resume), and kept; a single-part object is held to its SHA-256.
source "$(dirname "$0")/lib.bash"
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p s3/train
head -c 2500000 /dev/urandom > s3/train/multipart.bin
printf '1048576\n1048576\n402848\n' > s3/train/multipart.bin.parts
cp s3/train/multipart.bin s3/train/cut.bin
cp s3/train/multipart.bin.parts s3/train/cut.bin.parts
echo train/cut.bin > s3/cut
head -c 100000 /dev/urandom > s3/train/single.bin
cp s3/train/single.bin s3/train/damaged.bin
echo "AAAAul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=" > s3/train/damaged.bin.checksum
python3 -u "$here/objects/s3_double.py" s3 >double.log 2>&1 &
double=$!
trap 'kill $double 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "listening on" double.log 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on \([0-9]*\).*/\1/p' double.log)
[[ -n "$port" ]] || fail "the S3 double did not start: $(cat double.log)"
export FRUGAL_S3_ENDPOINT="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
       AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_SESSION_TOKEN=

run_status "$FRUGAL" data get s3://train/multipart.bin
expect_eq "$STATUS" 0 "a multipart object with a composite checksum: $ERR $(cat double.log)"
cmp -s "$OUT" s3/train/multipart.bin || fail "the cached multipart object differs from the stored one"

run_status "$FRUGAL" data get --revalidate s3://train/multipart.bin
expect_eq "$STATUS" 0 "revalidated (a signed HEAD): $ERR"
expect_contains "$(cat double.log)" "HEAD /train/multipart.bin 200" "asked with a HEAD"

run_status "$FRUGAL" data get s3://train/cut.bin
expect_eq "$STATUS" 0 "a multipart object cut halfway: $ERR $(cat double.log)"
cmp -s "$OUT" s3/train/cut.bin || fail "the resumed multipart object differs from the stored one"
expect_contains "$(cat double.log)" "GET /train/cut.bin 206" "the rest was asked for with a Range"

run_status "$FRUGAL" data get s3://train/single.bin
expect_eq "$STATUS" 0 "a single-part object with its SHA-256: $ERR"
cmp -s "$OUT" s3/train/single.bin || fail "the cached single-part object differs"

run_status "$FRUGAL" data get --attempts 1 s3://train/damaged.bin
expect_eq "$STATUS" 1 "a single-part object whose bytes do not match its SHA-256"
expect_contains "$ERR" "x-amz-checksum-sha256" "the mismatch is named"

if grep -q "with signature checks" double.log; then
  expect_eq "$(grep -c ' 403 ' double.log || true)" 0 "every request's signature is the one botocore computes: $(grep ' 403 ' double.log)"
else
  echo "note: botocore is absent, the S3 double did not check signatures"
fi
