#!/usr/bin/env bash
# Checks that every libFuzzer harness (tests/fuzz/fuzz_*.cpp) is wired up: built by CMakeLists.txt,
# with a seed corpus, an entry in run.sh's dictionary table whose dictionaries exist, and that every
# regressions/ or pending/ folder names a harness. The ctest `fuzz.layout` of the main (GCC) build,
# which does not build the harnesses themselves (`make fuzz` does, with clang).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
problems=0
problem() { echo "tests/fuzz: $*" >&2; problems=$((problems + 1)); }
harnesses=()
for source in "$here"/fuzz_*.cpp; do harnesses+=("$(basename "$source" .cpp)"); done
((${#harnesses[@]})) || problem "no harness (fuzz_*.cpp)"
for h in "${harnesses[@]}"; do
  grep -q "^frugal_fuzzer($h[ )]" "$here/CMakeLists.txt" || problem "$h: no frugal_fuzzer($h ...) in CMakeLists.txt"
  [[ -n "$(ls -A "$here/corpus/$h" 2>/dev/null)" ]] || problem "$h: no seeds in corpus/$h/ (tests/fuzz/make_corpus.py)"
  line="$(grep -E "^\s*\[$h\]=" "$here/run.sh" || true)"
  [[ -n "$line" ]] || { problem "$h: no entry in run.sh's dictionary table"; continue; }
  for d in $(sed -E 's/.*="([^"]*)".*/\1/' <<< "$line"); do
    [[ -f "$here/dict/$d.dict" ]] || problem "$h: run.sh names dict/$d.dict, which does not exist"
  done
done
for folder in "$here"/regressions/* "$here"/pending/*; do
  [[ -d "$folder" ]] || continue
  [[ -f "$here/$(basename "$folder").cpp" ]] || problem "$(basename "$(dirname "$folder")")/$(basename "$folder"): no such harness"
done
((problems == 0)) && echo "tests/fuzz: ${#harnesses[@]} harnesses, each built, seeded and in run.sh"
exit $((problems > 0))
