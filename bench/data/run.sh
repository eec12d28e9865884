#!/usr/bin/env bash
# The data cache's costs, side by side with curl in one run:
#  1. `frugal data get` on a miss against `curl -o` of the same object from the same loopback HTTP
#     server (python3 -m http.server). Bar (issue 5): ≥ 90 % of curl's speed.
#  2. `frugal data get` on a hit, whole process. Bar: < 5 ms (no re-hash of the object).
#
#   bench/data/run.sh [BUILD_DIR]        (SIZE_MB=512 RUNS=5 to change)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
frugal="$(cd "${1:-$root/build}" && pwd)/frugal"
size_mb="${SIZE_MB:-512}"
runs="${RUNS:-5}"
tmp="$(mktemp -d)"
mkdir "$tmp/www"
head -c $((size_mb * 1024 * 1024)) /dev/urandom >"$tmp/www/object.bin"
python3 -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/http.log" 2>&1 &
server=$!
trap 'kill $server; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q "Serving HTTP" "$tmp/http.log" && break; sleep 0.05; done
url="http://127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/http.log" | head -1)/object.bin"
export FRUGAL_HOME="$tmp/home"
source "$here/../timing.sh"
peer() { curl -sf -o "$tmp/curl.bin" "$url"; }
miss() { rm -rf "$FRUGAL_HOME/data"; "$frugal" data get "$url"; }
hit() { "$frugal" data get "$url"; }
peer_ms=$(best_of "$runs" peer)
miss_ms=$(best_of "$runs" miss)
echo "download $size_mb MB over loopback: curl $peer_ms ms, frugal data get (miss) $miss_ms ms -> frugal at $((100 * peer_ms / miss_ms))% of curl's speed"
hit >/dev/null
# A hit is a few ms: time 100 in a row (best of 5 such loops) so the clock's own forks do not count.
hundred() { for _ in $(seq 100); do "$@"; done; }
hit_us=$(($(best_of 5 hundred hit) * 10))
start_us=$(($(best_of 5 hundred "$frugal" --version) * 10))
echo "frugal data get on a hit, whole process: $((hit_us / 1000)).$(printf %02d $((hit_us % 1000 / 10))) ms" \
  "(frugal --version: $((start_us / 1000)).$(printf %02d $((start_us % 1000 / 10))) ms)"
