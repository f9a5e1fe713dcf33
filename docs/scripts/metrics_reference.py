#!/usr/bin/env python3
"""Reference values for darkdca-metrics, computed with scikit-learn.

Writes small JSON fixtures under fixtures/metrics/ that the Rust tests in
crates/metrics/tests/reference.rs compare against (tolerance 1e-6).

Usage (from the workspace root):
    python3 -m venv /work/venv-metrics
    /work/venv-metrics/bin/pip install scikit-learn numpy
    /work/venv-metrics/bin/python docs/scripts/metrics_reference.py

Noise (label -1) is "left out" on the Rust side by default; the equivalent
scikit-learn call is made on the non-noise rows only. The "as_cluster" cases
pass the labels unchanged, as the NovTrack reference code does.
"""

import json
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import (
    adjusted_mutual_info_score,
    adjusted_rand_score,
    normalized_mutual_info_score,
    silhouette_samples,
    silhouette_score,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fixtures", "metrics")


def f32(x):
    """Round to float32 and back, so the same values are exact in both types."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def blobs(rng, n_per, dims, n_clusters, spread):
    centres = rng.normal(size=(n_clusters, dims))
    xs, ys = [], []
    for c in range(n_clusters):
        xs.append(centres[c] + spread * rng.normal(size=(n_per[c], dims)))
        ys += [c] * n_per[c]
    return np.vstack(xs), np.array(ys)


def silhouette_case(name, x, labels, metric, noise="exclude", note=""):
    x = np.asarray(x, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    keep = labels != -1 if noise == "exclude" else np.ones(len(labels), dtype=bool)
    case = {
        "name": name,
        "note": note,
        "metric": metric,
        "noise": noise,
        "x": x.tolist(),
        "labels": labels.tolist(),
    }
    xs = x[keep][:, keep] if metric == "precomputed" else x[keep]
    try:
        s = silhouette_samples(xs, labels[keep], metric=metric)
        score = silhouette_score(xs, labels[keep], metric=metric)
    except ValueError as e:
        case["error"] = str(e)
        return case
    samples = [None] * len(labels)
    for i, v in zip(np.flatnonzero(keep), s):
        samples[i] = float(v)
    per_cluster = {}
    for c in np.unique(labels[keep]):
        per_cluster[str(int(c))] = float(np.mean(s[labels[keep] == c]))
    case.update(samples=samples, per_cluster=per_cluster, score=float(score))
    return case


def agreement_case(name, a, b, note=""):
    a, b = list(map(int, a)), list(map(int, b))
    return {
        "name": name,
        "note": note,
        "a": a,
        "b": b,
        "ari": float(adjusted_rand_score(a, b)),
        "nmi": float(normalized_mutual_info_score(a, b)),
        "ami": float(adjusted_mutual_info_score(a, b)),
        "nmi_by_average": {
            m: float(normalized_mutual_info_score(a, b, average_method=m))
            for m in ("min", "geometric", "arithmetic", "max")
        },
        "ami_by_average": {
            m: float(adjusted_mutual_info_score(a, b, average_method=m))
            for m in ("min", "geometric", "arithmetic", "max")
        },
    }


def main():
    rng = np.random.default_rng(20261204)
    cases = []

    # 1-2. Blobs with noise points, both metrics. Values are f32-exact so the
    # Rust tests can feed the same data as f32 and as f64.
    x, y = blobs(rng, [14, 9, 20, 11], 8, 4, 0.6)
    x = f32(x)
    y = y.copy()
    y[rng.choice(len(y), 6, replace=False)] = -1
    for metric in ("cosine", "euclidean"):
        cases.append(silhouette_case(f"blobs_noise_{metric}", x, y, metric,
                                     note="4 clusters, 6 noise points left out"))

    # 3. Noise scored as one more cluster (NovTrack's call).
    cases.append(silhouette_case("blobs_noise_as_cluster_cosine", x, y, "cosine",
                                 noise="as_cluster", note="label -1 is a cluster"))

    # 4-5. A singleton cluster, sparse non-contiguous labels.
    x2, y2 = blobs(rng, [7, 1, 6, 5], 5, 4, 0.4)
    x2 = f32(x2)
    y2 = np.array([3, 17, 42, 8])[y2]
    for metric in ("cosine", "euclidean"):
        cases.append(silhouette_case(f"singleton_{metric}", x2, y2, metric,
                                     note="cluster 17 has one member: s = 0"))

    # 6-7. Duplicates: exact copies inside a cluster, a cluster made only of
    # copies (a = 0), a copy across clusters (b = 0), a scaled copy (cosine 0).
    base = f32(rng.normal(size=(6, 4)))
    xd = np.vstack([base[0], base[0], base[0], base[1], base[1] * 2.0, base[2],
                    base[3], base[3], base[3], base[0], base[4], base[5]])
    yd = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 1, 2, 0])
    for metric in ("cosine", "euclidean"):
        cases.append(silhouette_case(f"duplicates_{metric}", xd, yd, metric,
                                     note="identical and scaled rows"))

    # 8. Precomputed distances (manhattan, so not a metric this crate knows)
    # with noise rows.
    xp = f32(rng.normal(size=(25, 3)))
    dp = np.abs(xp[:, None, :] - xp[None, :, :]).sum(axis=2)
    yp = rng.integers(0, 3, size=25)
    yp[[2, 11, 19]] = -1
    cases.append(silhouette_case("precomputed_manhattan_noise", dp, yp, "precomputed",
                                 note="manhattan distances; 3 noise rows"))

    # 9. Larger cosine case: 12 clusters in 32 dims, every size from 2 to 20.
    sizes = list(rng.integers(2, 21, size=12))
    x3, y3 = blobs(rng, sizes, 32, 12, 1.5)
    x3 = f32(x3)
    y3[rng.choice(len(y3), 10, replace=False)] = -1
    cases.append(silhouette_case("many_clusters_cosine", x3, y3, "cosine",
                                 note="12 clusters, 32 dims, overlapping"))
    cases.append(silhouette_case("many_clusters_euclidean", x3, y3, "euclidean"))

    # 10-11. Undefined: one cluster once noise is left out; only singletons.
    cases.append(silhouette_case("single_cluster", x[:6], [0, 0, -1, 0, -1, 0], "cosine",
                                 note="one cluster after noise: error"))
    cases.append(silhouette_case("all_singletons", x[:4], [0, 1, 2, 3], "euclidean",
                                 note="n_clusters == n_samples: error"))

    agreement = [
        agreement_case("identical_renamed", [0, 0, 1, 1, 2, 2, -1], [5, 5, 3, 3, 9, 9, 4]),
        agreement_case("one_side_constant", [0, 0, 0, 0, 0], [0, 1, 0, 1, 2]),
        agreement_case("both_constant", [1, 1, 1], [4, 4, 4]),
        agreement_case("all_singletons_vs_constant", [0, 1, 2, 3], [0, 0, 0, 0]),
        agreement_case("small_by_hand", [0, 0, 1, 1], [0, 0, 0, 1]),
        agreement_case("random_small", rng.integers(0, 4, 40), rng.integers(0, 3, 40)),
        agreement_case("random_medium", rng.integers(-1, 15, 600), rng.integers(0, 20, 600)),
        agreement_case("planted_with_noise",
                       np.repeat(np.arange(10), 30),
                       np.where(rng.random(300) < 0.2, -1, np.repeat(np.arange(10), 30))),
    ]

    # Larger labelings given by a formula instead of stored labels:
    # a_i = i % 600, b_i = (7 i + i // 13) % 500 (also used by the bench).
    formula = []
    for n in (20_000,):
        i = np.arange(n)
        a, b = i % 600, (i * 7 + i // 13) % 500
        formula.append({
            "n": n,
            "ari": float(adjusted_rand_score(a, b)),
            "nmi": float(normalized_mutual_info_score(a, b)),
            "ami": float(adjusted_mutual_info_score(a, b)),
        })

    os.makedirs(OUT, exist_ok=True)
    meta = {"sklearn": sklearn.__version__, "numpy": np.__version__,
            "python": sys.version.split()[0]}
    write(os.path.join(OUT, "silhouette.json"), {"generator": meta, "cases": cases})
    write(os.path.join(OUT, "agreement.json"),
          {"generator": meta, "cases": agreement, "formula_cases": formula})


def write(path, value):
    """Write atomically: temporary file in the same directory, fsync, rename."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=None, separators=(",", ":"))
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
