#!/usr/bin/env bash
# Runs every libFuzzer harness built in BUILD_DIR (`make fuzz` builds them): first over the inputs
# that once crashed it (tests/fuzz/regressions/<harness>/, each run once), then for SECONDS of
# fuzzing from a scratch copy of its seeds (tests/fuzz/corpus/<harness>/; what the run adds stays in
# BUILD_DIR/fuzz-work, never in the repository). Any crash, leak, timeout, out-of-memory or
# sanitizer report fails it; the input that made it is kept under BUILD_DIR/fuzz-work/<harness>/.
# Prints one line per harness with its executions, then exits 1 if any harness failed.
#
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [HARNESS...]
#   FUZZ_JOBS: harnesses run at once (default: the number of CPUs)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:?usage: run.sh BUILD_DIR [SECONDS] [HARNESS...]}" && pwd)"
seconds="${2:-15}"
shift $(( $# < 2 ? $# : 2 ))
work="$build/fuzz-work"

# Each harness and the dictionaries (tests/fuzz/dict/) of the syntax it reads.
declare -A dicts=(
  [fuzz_core]="csv json"
  [fuzz_config]="toml"
  [fuzz_bill]="csv"
  [fuzz_catalog]="csv py"
  [fuzz_py_literal]="py"
  [fuzz_spot_advisor]="json spot_advisor"
  [fuzz_labeling]="csv json labeling"
  [fuzz_metrics]="json metrics"
  [fuzz_routes]="routes json mlflow_filter"
  [fuzz_mlflow_filter]="mlflow_filter"
  [fuzz_sql_guard]="sql"
  [fuzz_slurm]="slurm"
  [fuzz_prometheus]="json prometheus"
)
harnesses=("$@")
if ((${#harnesses[@]} == 0)); then
  for source in "$here"/fuzz_*.cpp; do harnesses+=("$(basename "$source" .cpp)"); done
fi
for h in "${harnesses[@]}"; do
  [[ -x "$build/tests/fuzz/$h" ]] || { echo "fuzz: $build/tests/fuzz/$h is not built (make fuzz builds it)" >&2; exit 2; }
  [[ -d "$here/corpus/$h" ]] || { echo "fuzz: $h has no seed corpus in tests/fuzz/corpus/$h" >&2; exit 2; }
  [[ -n "${dicts[$h]+x}" ]] || { echo "fuzz: $h has no entry in run.sh's dictionary table" >&2; exit 2; }
done

# Leaks count (libFuzzer checks after each input that allocated more than it freed); UBSan aborts
# on its first report (the build has -fno-sanitize-recover), with a stack.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
# Stacks with function names and lines (Debian puts llvm-symbolizer beside clang, off the PATH).
export PATH="$PATH:/usr/lib/llvm-19/bin"

run_one() {
  local h="$1" bin="$build/tests/fuzz/$1" dir="$work/$1"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp "$here/corpus/$h"/* "$dir/corpus/"
  : > "$dir/fuzz.dict"
  for d in ${dicts[$h]}; do cat "$here/dict/$d.dict" >> "$dir/fuzz.dict"; done
  local status=ok
  # The inputs that found a bug once: each must now run clean.
  local regressions=()
  if [[ -d "$here/regressions/$h" ]]; then
    while IFS= read -r -d '' f; do regressions+=("$f"); done < <(find "$here/regressions/$h" -type f ! -name '*.md' -print0 | sort -z)
  fi
  if ((${#regressions[@]})); then
    if ! "$bin" -timeout=10 -rss_limit_mb=2048 "${regressions[@]}" > "$dir/regressions.log" 2>&1; then
      status="FAILED on a regression input (log: $dir/regressions.log)"
    fi
  fi
  local rc=0
  "$bin" "$dir/corpus" -dict="$dir/fuzz.dict" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" > "$dir/fuzz.log" 2>&1 || rc=$?
  if ((rc != 0)) && [[ "$status" == ok ]]; then
    status="FAILED (exit $rc; log: $dir/fuzz.log; input: $(ls "$dir/artifacts" | head -1))"
  fi
  local runs units cov
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
  [[ -n "$runs" ]] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$dir/fuzz.log" | tail -1)
  units=$(sed -n 's/^stat::new_units_added: *//p' "$dir/fuzz.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$dir/fuzz.log" | tail -1 | cut -d' ' -f2)
  printf '%-20s %9s runs in %ss, %4s new units, cov %5s, %3s regression inputs: %s\n' "$h" "${runs:-?}" "$seconds" \
    "${units:-?}" "${cov:-?}" "${#regressions[@]}" "$status" > "$dir/summary"
}
export -f run_one
export build work here seconds
# Bash cannot export the table: each job gets the dictionaries it needs in a variable of its own.
for h in "${harnesses[@]}"; do printf '%s\0%s\0' "$h" "${dicts[$h]}"; done |
  xargs -0 -n 2 -P "${FUZZ_JOBS:-$(nproc)}" bash -c 'declare -A dicts=([$1]="$2"); run_one "$1"' _

echo "fuzz: ${#harnesses[@]} harnesses, ${seconds}s each (logs and inputs found: $work)"
failed=0
for h in "${harnesses[@]}"; do
  cat "$work/$h/summary"
  grep -q ': ok$' "$work/$h/summary" || failed=1
done
if ((failed)); then
  for h in "${harnesses[@]}"; do
    grep -q ': ok$' "$work/$h/summary" && continue
    echo "---- $h: the end of its log"
    tail -n 40 "$work/$h/fuzz.log"
    [[ -s "$work/$h/regressions.log" ]] && tail -n 40 "$work/$h/regressions.log"
  done
  echo "fuzz: FAILED. Reproduce with: $build/tests/fuzz/<harness> <input>; then save the input in tests/fuzz/regressions/<harness>/" >&2
  exit 1
fi
