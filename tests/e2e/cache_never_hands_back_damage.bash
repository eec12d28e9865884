# The computation cache gives back exactly what the miss made, or runs the stage again: a byte
# flipped in an object, a job appending to its restored output (as root would), an executable's
# object damaged, symbolic links and empty folders among the outputs.
source "$(dirname "$0")/lib.bash"

cat > make.sh <<'SH'
#!/bin/sh
echo ran >> "$PWD/runs.log"
rm -rf out && mkdir -p out/data out/empty
printf 'weights v1\n' > out/data/model.bin
printf '#!/bin/sh\necho serve\n' > out/serve.sh && chmod 755 out/serve.sh
ln -s data/model.bin out/latest
ln -s ../elsewhere out/to-folder
ln -s gone/for/good out/dangling
SH
chmod +x make.sh
mkdir -p elsewhere && echo "not an output" > elsewhere/big.txt
stage() { "$FRUGAL" cache run --param v=1 --out out -- ./make.sh; }
runs() { wc -l < runs.log; }
# Every path under out/ with its type, link target and content: what a user would compare.
listing() { (cd out && find . -printf '%y %p %l\n' | sort && find . -type f -exec cat {} + | sort); }
objects() { find "$FRUGAL_HOME/cache/objects" -type f ! -name '*.*'; }
object_holding() { for o in $(objects); do if grep -qx "$1" "$o"; then echo "$o"; fi; done; }

run_status stage
expect_eq "$STATUS" 0 "the miss runs the stage"
made="$(listing)"

rm -rf out
run_status stage
expect_contains "$ERR" "cache hit" "the same stage hits"
expect_eq "$(listing)" "$made" "a hit gives back links, empty folders and files exactly as the miss left them"
expect_eq "$(readlink out/to-folder)" "../elsewhere" "a link to a folder stays a link"
expect_eq "$(find "$FRUGAL_HOME/cache/objects" -type f -exec grep -l 'not an output' {} + | wc -l)" 0 \
  "nothing behind a link is stored"

# A byte flipped in an object, same size.
obj="$(object_holding "weights v1")"
[[ -n "$obj" ]] || fail "no object holds the model"
chmod u+w "$obj" && printf 'W' | dd of="$obj" bs=1 seek=0 conv=notrunc status=none
rm -rf out
run_status stage
expect_eq "$STATUS" 0 "a damaged entry is not an error"
expect_contains "$ERR" "is damaged (out/data/model.bin" "the damage is named"
expect_eq "$(runs)" 2 "the stage runs again instead"
expect_eq "$(listing)" "$made" "the outputs are the stage's own, not the damaged object"
run_status stage
expect_contains "$ERR" "cache hit" "the entry stored again hits"
expect_eq "$(runs)" 2 "and does not run"

# A job appending to its restored output. Root ignores the object's read-only mode; anyone else
# must chmod first, which reaches the object through a hard link just the same.
chmod u+w out/data/model.bin
echo "fine-tuned" >> out/data/model.bin
rm -rf out
run_status stage
expect_contains "$ERR" "is damaged (out/data/model.bin" "the write through the link is caught"
expect_eq "$(listing)" "$made" "the next hit does not hand back the appended file"

# An executable's object damaged: before, the damaged copy stayed in out/ and the entry was kept.
obj="$(object_holding 'echo serve')"
[[ -n "$obj" ]] || fail "no object holds serve.sh"
chmod u+w "$obj" && printf 'X' | dd of="$obj" bs=1 seek=3 conv=notrunc status=none
before="$(runs)"
run_status stage
expect_eq "$STATUS" 0 "a damaged executable reruns"
expect_eq "$(runs)" $((before + 1)) "the stage ran again"
expect_eq "$(listing)" "$made" "serve.sh is the stage's own"

# What was found is recorded and shown.
expect_eq "$(sql "SELECT count(*) FROM cache_events WHERE kind = 'damaged'")" 3 "each damaged entry is an event"
run_status "$FRUGAL" cache stats --format csv
column() { awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i } NR == 2 { print $c }' <<<"$OUT"; }
expect_eq "$(column damaged_found)" 3 "cache stats shows the damaged entries found"

# cache_restore=copy: outputs get their own blocks, so a write never reaches the object.
export FRUGAL_CACHE_RESTORE=copy
rm -rf out && run_status stage
expect_contains "$ERR" "copied" "copy mode copies"
echo "edited" >> out/data/model.bin
rm -rf out && run_status stage
expect_contains "$ERR" "cache hit" "an edited copy leaves the entry sound"
expect_eq "$(listing)" "$made" "and the next hit is the original"
run_status env FRUGAL_CACHE_RESTORE=hardlink "$FRUGAL" cache run --param v=1 --out out -- ./make.sh
expect_eq "$STATUS" 2 "an unknown cache_restore is a usage error"
expect_contains "$ERR" "cache_restore 'hardlink'" "naming the setting"

# frugal cache verify re-hashes everything: damage a stamp vouches for is still found.
unset FRUGAL_CACHE_RESTORE
run_status "$FRUGAL" cache verify
expect_eq "$STATUS" 0 "a sound cache verifies"
expect_contains "$OUT" "0 damaged" "nothing damaged"
obj="$(object_holding "weights v1")"
chmod u+w "$obj" && printf 'X' | dd of="$obj" bs=1 seek=0 conv=notrunc status=none
# Damage beneath the file system leaves no trace in a stat: forge the stamp to vouch for it.
ns() { stat -c "%.9$1" "$obj" | tr -d .; }
echo "frugal-stamp 2 written $(stat -c "%i %s %h" "$obj") $(ns Y) $(ns Z) $(date +%s%N)" > "$obj.stamp"
run_status "$FRUGAL" cache verify
expect_eq "$STATUS" 1 "verify fails when it finds damage"
expect_contains "$OUT" "1 damaged and removed" "verify re-hashes what the stamp vouches for"
rm -rf out && run_status stage
expect_eq "$(listing)" "$made" "the stage runs again after verify removed the entry"
