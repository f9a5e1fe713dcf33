#!/usr/bin/env python3
"""scikit-learn's cosine silhouette on the data of the darkdca-metrics bench.

Builds the same f32 embeddings as crates/metrics/benches/data/mod.rs (SplitMix64
uniforms, point i in cluster i % k), then times
sklearn.metrics.silhouette_score(x, labels, metric="cosine") and reports the
peak resident memory of this process.

Usage (one size per process, so the peak memory belongs to that size):
    /work/venv-metrics/bin/python docs/scripts/metrics_bench.py N K [REPEATS] [METRIC]
    /work/venv-metrics/bin/python docs/scripts/metrics_bench.py 8000 60 3
    /work/venv-metrics/bin/python docs/scripts/metrics_bench.py 50000 600 1
    /work/venv-metrics/bin/python docs/scripts/metrics_bench.py agreement
"""

import resource
import sys
import time

import numpy as np
from sklearn.metrics import silhouette_score

GAMMA = np.uint64(0x9E3779B97F4A7C15)
MASK = (1 << 64) - 1


def uniform(seed, index):
    """SplitMix64 output `index` of stream `seed`, as uniforms in [0, 1)."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (index.astype(np.uint64) + np.uint64(1)) * GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / float(1 << 53))


def blobs(n, dims, k, spread):
    i = np.arange(n)[:, None]
    j = np.arange(dims)[None, :]
    labels = (np.arange(n) % k).astype(np.int32)
    centre = uniform(1, (i % k) * dims + j) - 0.5
    x = centre + spread * (uniform(2, i * dims + j) - 0.5)
    return x.astype(np.float32), labels


def agreement(n):
    """AMI and ARI on the labelings of the agreement bench (600 x 500 groups)."""
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

    i = np.arange(n)
    a, b = i % 600, (i * 7 + i // 13) % 500
    for name, score in (("ari", adjusted_rand_score), ("ami", adjusted_mutual_info_score)):
        start = time.perf_counter()
        value = score(a, b)
        print(f"n={n} sklearn_{name} seconds={time.perf_counter() - start:.3f} value={value:.12f}")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "agreement":
        agreement(50_000)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    metric = sys.argv[4] if len(sys.argv) > 4 else "cosine"
    x, labels = blobs(n, 200, k, 1.0)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        score = silhouette_score(x, labels, metric=metric)
        times.append(time.perf_counter() - start)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"n={n} k={k} d=200 sklearn_{metric} seconds_min={min(times):.3f} "
          f"seconds_all={','.join(f'{t:.3f}' for t in times)} "
          f"score={score:.9f} peak_rss_mib={peak_mib:.0f}")


if __name__ == "__main__":
    main()
