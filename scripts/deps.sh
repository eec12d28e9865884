#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the benchmarks need. Idempotent.
set -euo pipefail
packages=(
  build-essential make cmake ninja-build pkg-config
  libsqlite3-dev sqlite3 libpq-dev postgresql
  libcli11-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev libssl-dev libre2-dev libcurl4-openssl-dev
  zlib1g-dev libzstd-dev  # .csv.gz and .csv.zst bills, decompressed while read (frugal_core)
  libboost-dev  # Boost.Beast and Asio (header-only): frugal serve's HTTP transport
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-tidy-19  # scripts/tidy.sh: Debian's plain clang-tidy (14) cannot parse GCC 12's <expected>
  clang-19 libclang-rt-19-dev  # make fuzz: libFuzzer is clang's, and clang < 16 cannot compile <expected>
  python3 python3-sklearn hyperfine procps curl wrk nginx-light
  python3-botocore  # tests/unit/objects/botocore_reference.py: reference SigV4 signatures for S3 requests
  # tests/e2e/server_with_mlflow_python_client.bash: what MLflow's own Python client (../shared/clients) imports
  python3-protobuf python3-requests python3-yaml python3-click python3-packaging python3-sqlparse python3-git
  python3-cloudpickle python3-entrypoints python3-tz python3-importlib-metadata
  chromium
  # tests/e2e/slurm/cluster.sh: a throwaway single-node Slurm cluster (its own munged, MariaDB,
  # slurmdbd, slurmctld, slurmd in a temporary folder) for `frugal slurm`; no system service starts
  slurm-wlm slurmdbd munge mariadb-server
  # tests/e2e/k8s/prometheus.sh: a real Prometheus scraping the fixture exporter; promtool loads
  # the k8s import benchmark
  prometheus
)
# Node and npm install the pinned test peers (s3rver); only when the machine has none already, so
# a newer Node from elsewhere is left alone.
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  # nginx (a benchmark peer) and PostgreSQL (the tests start throwaway servers of their own, as an
  # unprivileged user, in temporary folders) must not start system services while they install.
  policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [[ -n "$policy" ]]; then $SUDO rm -f "$policy"; fi
else
  echo "deps: all present"
fi

# The npm packages package-lock.json pins: esbuild, which bundles the dashboard into the binary,
# and the test peers (s3rver, playwright-core, MLflow's JS client, swagger-parser). Installed again
# whenever package-lock.json changed since the last install, so `make demo` on a fresh clone
# serves the dashboard rather than a page asking for `npm ci`.
root="$(cd "$(dirname "$0")/.." && pwd)"
stamp="$root/node_modules/.frugal-installed-lock.json"
if ! cmp -s "$root/package-lock.json" "$stamp"; then
  echo "deps: npm ci (package-lock.json)"
  if ! (cd "$root" && npm ci --no-audit --no-fund --loglevel=error); then
    echo "deps: npm ci failed; without it the dashboard is not built and the S3 and browser tests skip" >&2
    exit 1
  fi
  cp "$root/package-lock.json" "$stamp"
fi
