# Shared by the bench scripts: `best_of N CMD...` prints the fastest of N runs of CMD in ms (the
# minimum is the least noisy figure on a shared machine).
now_ms() { date +%s%3N; }
best_of() {
  local n=$1 best=999999999 start took
  shift
  for _ in $(seq 1 "$n"); do
    start=$(now_ms)
    "$@" >/dev/null 2>&1
    took=$(($(now_ms) - start))
    ((took < best)) && best=$took
  done
  echo "$best"
}
