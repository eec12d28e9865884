"""The peer for k-center: the textbook greedy loop in numpy (as active-learning libraries write
it: one matrix-vector product per pick against every point), over the same embeddings file, for
a few hundred picks; it prints seconds per pick so the bench can compare per pick."""
import sys
import time

import numpy as np

path, picks = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
x = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(1, 129), dtype=np.float32)
loaded = time.perf_counter()
norms = (x * x).sum(axis=1)
nearest = np.full(len(x), np.inf, dtype=np.float32)
chosen = [0]
for _ in range(picks):
    c = x[chosen[-1]]
    d = norms - 2 * (x @ c) + c @ c
    np.minimum(nearest, d, out=nearest)
    chosen.append(int(nearest.argmax()))
done = time.perf_counter()
print(f"{loaded - start:.1f} {done - loaded:.2f} {(done - loaded) / picks:.5f}")
