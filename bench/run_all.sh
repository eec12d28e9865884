#!/usr/bin/env bash
# `make bench`: every benchmark, each side by side with its peer. Results go to docs/benchmarks.md
# by hand, with the machine and date.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../build}" && pwd)"
echo "== frugal run overhead =="; "$here/run_overhead/run.sh" "$build"
echo; echo "== leaderboard over 1,000,000 runs =="; "$here/top/run.sh" "$build"
echo; echo "== catalog import of the largest real file =="; "$here/catalog_import/run.sh" "$build"
echo; echo "== bill import and costs over 5,000,000 FOCUS rows =="; "$here/bill_import/run.sh" "$build"
echo; echo "== Slurm: 100,000 sacct job records imported, against sqlite3 .import =="; "$here/slurm_import/run.sh" "$build"
echo; echo "== Kubernetes: a week of a 100-node, 800-GPU cluster read out of Prometheus, beside Prometheus answering the raw queries =="; "$here/k8s_import/run.sh" "$build"
echo; echo "== early stopping on real learning curves =="; "$build/bench/replay_learning_curves" "$here/../../shared/data/learning_curves/opda_imagenet_mnli"
echo; echo "== the runner's own costs =="; "$here/runner/run.sh" "$build"
echo; echo "== the computation cache: hashing, restoring a hit =="; "$here/cache/run.sh" "$build"
echo; echo "== the data cache: a download against curl, a hit =="; "$here/data/run.sh" "$build"
echo; echo "== the server: wrk against frugal serve, beside nginx =="; "$here/server/run.sh" "$build"
echo; echo "== the dashboard: a 1,000,000-point curve =="; "$here/dashboard/run.sh" "$build"
echo; echo "== PostgreSQL: bill import against psql \\copy, leaderboards over 5M charges and 1M runs =="; "$here/postgres/run.sh" "$build"
echo; echo "== frugal advise over 1M runs, 50M samples, 5M charges =="; "$here/advise/run.sh" "$build"
echo; echo "== labeling plans: labels needed on real digits, against random labelling =="; "$here/labeling/run.sh" "$build"
echo; echo "== labeling plans at scale: 10M predictions; k-center over 1M × 128, against numpy =="; "$here/labeling_scale/run.sh" "$build"
echo; echo "== streaming SQL: frugal sql and /api/v1/sql over 10,000,000 rows, the printf bomb =="; "$here/sql/run.sh" "$build"
echo; echo "== value: what each dollar bought in four real searches; frugal value over 100,000 runs × 100 points, beside sqlite3 =="; "$build/bench/replay_value" "$here/../../shared/data/learning_curves/opda_imagenet_mnli"; "$here/value/run.sh" "$build"
