#!/usr/bin/env bash
# Labeling: `frugal label plan` as an active-learning loop, against the peer: random labelling,
# the batch drawn uniformly from the unlabelled pool. How many labels each strategy (hybrid, the
# default, entropy, margin, least-confidence, rare, diverse) needs before the model is good enough.
# The data is real: scikit-learn's bundled digits (UCI optical recognition of handwritten digits,
# the test part: 1,797 8x8 images, 10 classes, 64 features), from Debian's python3-sklearn;
# breast_cancer and wine (UCI too) can be added with --datasets.
# Per seed (0..4): a stratified 30% test set, the rest is the pool; 20 random pool items start
# labelled, the same for every strategy. Each round a logistic regression (standardised features)
# is trained on the labelled items; its class probabilities over the whole pool, the labels so far
# (as validation) and the standardised features (as embeddings) go to `frugal label plan` with a
# budget of 10 labels at $0.08, and the ids it returns are labelled next. A run stops when the test
# accuracy reaches 95% of the same model's trained on the whole pool; its count is the labels it
# took, the 20 included. The table: mean (min–max) over seeds, and how many fewer than random.
# The bar (issue): hybrid needs at least 30% fewer labels than random.
#
#   bench/labeling/run.sh [BUILD_DIR] [ARGS of active_learning.py: --datasets digits,wine --seeds 5 ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
shift || true
python=/usr/bin/python3  # Debian's, where python3-sklearn lives (a pyenv python3 on PATH lacks it)
"$python" -c 'import sklearn' 2>/dev/null || { echo "python3-sklearn is not installed (make deps)" >&2; exit 1; }
[ -x "$build/frugal" ] || { echo "no frugal in $build (make build)" >&2; exit 1; }
exec "$python" "$here/active_learning.py" --frugal "$build/frugal" "$@"
