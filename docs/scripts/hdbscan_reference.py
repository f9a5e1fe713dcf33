#!/usr/bin/env python3
"""Generate reference fixtures for crates/hdbscan from the Python `hdbscan` package.

Dev-only script (never run by tests or CI). Usage, from the workspace root:

    /work/venv-hdbscan/bin/python docs/scripts/hdbscan_reference.py [--out fixtures/hdbscan]
    # later, once the pipeline writes sender embeddings (an (n, dims) .npy array):
    /work/venv-hdbscan/bin/python docs/scripts/hdbscan_reference.py --from-npy embeddings.npy

For every dataset it writes NAME.json (parameters and the reference's labels,
probabilities, GLOSH outlier scores and cluster persistence) and NAME.bin
(the input as little-endian float32 or float64, row-major, shape in the JSON).

Every run goes through a float64 distance matrix (`metric="precomputed"`,
the reference's exact generic algorithm): cosine because the reference cannot
dispatch it itself, euclidean (exact per-pair `cdist`) because its default
Boruvka KD-tree builds an approximate spanning tree (`approx_min_span_tree`). Every dataset is also
clustered in five shuffled row orders; `order_dependent` records whether the
reference's answer changed and `unstable_*` list the points whose label,
probability or outlier score changed. The Rust tests compare with the
reference on the other points and assert the crate's documented,
order-independent behaviour on these.
"""
import argparse
import json
import os
import sys

import numpy as np
import hdbscan
import sklearn
from sklearn.cluster import HDBSCAN as SkHDBSCAN
from sklearn.metrics.pairwise import cosine_distances
from scipy.spatial.distance import cdist


def cosine_matrix(x):
    d = cosine_distances(x.astype(np.float64))
    d = (d + d.T) / 2.0  # exactly symmetric, as the crate requires
    np.fill_diagonal(d, 0.0)
    return d


def run_reference(x, metric, params, convention):
    """Labels, probabilities, outlier scores and persistence of one run."""
    if metric == "cosine":
        data = cosine_matrix(x)
    elif metric == "euclidean":
        # Exact per-pair distances and the reference's exact (generic, Prim)
        # tree: its default Boruvka KD-tree path builds an approximate tree.
        data = cdist(x.astype(np.float64), x.astype(np.float64))
    else:
        data = x
    kind = "precomputed"
    if convention == "scikit_learn":
        model = SkHDBSCAN(
            min_cluster_size=params["min_cluster_size"],
            min_samples=params["min_samples"],
            metric=kind,
            cluster_selection_method=params["cluster_selection_method"],
            cluster_selection_epsilon=params["cluster_selection_epsilon"],
            allow_single_cluster=params["allow_single_cluster"],
            max_cluster_size=params["max_cluster_size"] or None,
            copy=True,
        ).fit(data)
        return model.labels_, model.probabilities_, None, None
    model = hdbscan.HDBSCAN(
        min_cluster_size=params["min_cluster_size"],
        min_samples=params["min_samples"],
        metric=kind,
        cluster_selection_method=params["cluster_selection_method"],
        cluster_selection_epsilon=params["cluster_selection_epsilon"],
        allow_single_cluster=params["allow_single_cluster"],
        max_cluster_size=params["max_cluster_size"] or 0,
    ).fit(data)
    return (model.labels_, model.probabilities_, model.outlier_scores_,
            model.cluster_persistence_)


def same_partition(a, b):
    pairs = {}
    back = {}
    for x, y in zip(a, b):
        if (x == -1) != (y == -1):
            return False
        if x == -1:
            continue
        if pairs.setdefault(x, y) != y or back.setdefault(y, x) != x:
            return False
    return True


def close(a, b):
    if a is None:
        return True
    return np.allclose(a, b, atol=1e-9, equal_nan=True)


def majority_map(ref_labels, labels):
    """Cluster of `labels` -> the reference cluster most of its points are in."""
    mapping = {-1: -1}
    for c in set(labels.tolist()) - {-1}:
        values, counts = np.unique(ref_labels[labels == c], return_counts=True)
        mapping[c] = int(values[np.argmax(counts)])
    return np.array([mapping[v] for v in labels.tolist()])


def unstable_points(x, metric, params, convention, reference, seed, rounds=5):
    """Points whose label, probability or score changes with the row order."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    label_ok = np.ones(n, dtype=bool)
    prob_ok = np.ones(n, dtype=bool)
    score_ok = np.ones(n, dtype=bool)
    for _ in range(rounds):
        perm = rng.permutation(n)
        xp = x[perm][:, perm] if metric == "precomputed_input" else x[perm]
        out = run_reference(xp, metric, params, convention)
        inv = np.argsort(perm)
        label_ok &= majority_map(reference[0], out[0][inv]) == reference[0]
        prob_ok &= np.isclose(reference[1], out[1][inv], rtol=0, atol=1e-9, equal_nan=True)
        if reference[2] is not None:
            score_ok &= np.isclose(reference[2], out[2][inv], rtol=0, atol=1e-9,
                                   equal_nan=True)
    as_list = lambda ok: [int(i) for i in np.flatnonzero(~ok)]
    return as_list(label_ok), as_list(prob_ok), as_list(score_ok)


def nan_to_none(values):
    if values is None:
        return None
    return [None if not np.isfinite(v) else float(v) for v in values]


def write(out, name, description, x, metric, params, convention="hdbscan", seed=0):
    dtype = "f32" if x.dtype == np.float32 else "f64"
    ref = run_reference(x, metric, params, convention)
    unstable = unstable_points(x, metric, params, convention, ref, seed + 1)
    dep = any(len(u) > 0 for u in unstable)
    meta = {
        "name": name,
        "description": description,
        "metric": "precomputed" if metric == "precomputed_input" else metric,
        "dtype": dtype,
        "shape": list(x.shape),
        "params": params,
        "min_samples_convention": convention,
        "reference": ("scikit-learn " + sklearn.__version__) if convention == "scikit_learn"
        else ("hdbscan " + getattr(hdbscan, "__version__", "0.8.x")),
        "order_dependent": bool(dep),
        "unstable_labels": unstable[0],
        "unstable_probabilities": unstable[1],
        "unstable_outlier_scores": unstable[2],
        "labels": [int(v) for v in ref[0]],
        "probabilities": nan_to_none(ref[1]),
        "outlier_scores": nan_to_none(ref[2]),
        "persistence": nan_to_none(ref[3]),
    }
    little = x.astype("<f4" if dtype == "f32" else "<f8", copy=False)
    tmp_bin = os.path.join(out, name + ".bin.tmp")
    with open(tmp_bin, "wb") as f:
        f.write(np.ascontiguousarray(little).tobytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp_bin, os.path.join(out, name + ".bin"))
    tmp_json = os.path.join(out, name + ".json.tmp")
    with open(tmp_json, "w") as f:
        json.dump(meta, f, separators=(",", ":"))
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp_json, os.path.join(out, name + ".json"))
    n_clusters = len(set(ref[0])) - (1 if -1 in ref[0] else 0)
    print(f"{name}: n={x.shape[0]} clusters={n_clusters} noise={int(np.sum(ref[0] == -1))} "
          f"order_dependent={dep} unstable={[len(u) for u in unstable]}")


def params(mcs, ms=None, method="eom", eps=0.0, single=False, max_size=0):
    return {"min_cluster_size": mcs, "min_samples": ms, "cluster_selection_method": method,
            "cluster_selection_epsilon": eps, "allow_single_cluster": single,
            "max_cluster_size": max_size}


def blobs(rng, centres, sizes, scales):
    parts = [c + s * rng.standard_normal((m, len(c))) for c, m, s in zip(centres, sizes, scales)]
    return np.vstack(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="fixtures/hdbscan")
    ap.add_argument("--from-npy", help="real sender embeddings, an (n, dims) array: "
                    "writes the fixture sender_embeddings (cosine, min_cluster_size 10)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20261204)

    if args.from_npy:
        x = np.load(args.from_npy).astype(np.float32)
        write(args.out, "sender_embeddings", "sender embeddings from the darkdca pipeline",
              x, "cosine", params(10))
        return

    # 1. Gaussian blobs in 200 dimensions, cosine (precomputed float64 matrix).
    centres = rng.standard_normal((5, 200))
    x = blobs(rng, centres, [80, 60, 50, 40, 30], [0.35, 0.5, 0.6, 0.4, 0.8]).astype(np.float32)
    x = np.vstack([x, rng.standard_normal((20, 200)).astype(np.float32)])
    write(args.out, "blobs_cosine_200d", "5 Gaussian blobs in 200 dimensions plus 20 "
          "scattered vectors, cosine, min_cluster_size 10", x, "cosine", params(10), seed=1)

    # 2. The same vectors with leaf selection.
    write(args.out, "blobs_cosine_200d_leaf", "as blobs_cosine_200d, leaf selection, "
          "min_cluster_size 8, min_samples 4", x, "cosine", params(8, 4, "leaf"), seed=2)

    # 3. Very different densities (euclidean, 2 dimensions).
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 9.0], [12.0, 10.0]])
    x = blobs(rng, centres, [120, 80, 60, 60], [0.15, 0.6, 1.2, 2.5])
    x = np.vstack([x, rng.uniform(-6, 18, size=(30, 2))])
    write(args.out, "densities_euclidean", "four 2-d clusters whose spreads differ 16-fold "
          "plus uniform noise, euclidean, min_cluster_size 12, min_samples 6",
          x, "euclidean", params(12, 6), seed=3)

    # 4. Non-zero cluster_selection_epsilon (EoM and leaf).
    centres = np.array([[0.0, 0.0], [1.2, 0.0], [0.6, 1.0], [8.0, 8.0], [9.0, 8.0]])
    x = blobs(rng, centres, [50, 50, 50, 60, 60], [0.25, 0.25, 0.25, 0.3, 0.3])
    write(args.out, "epsilon_eom", "nested 2-d groups, cluster_selection_epsilon 1.0, eom",
          x, "euclidean", params(10, 5, "eom", 1.0), seed=4)
    write(args.out, "epsilon_leaf", "nested 2-d groups, cluster_selection_epsilon 0.5, leaf",
          x, "euclidean", params(10, 5, "leaf", 0.5), seed=5)

    # 5. max_cluster_size.
    write(args.out, "max_cluster_size", "nested 2-d groups, eom with max_cluster_size 100",
          x, "euclidean", params(10, 5, "eom", 0.0, False, 100), seed=6)

    # 6. Many exact duplicates.
    base = blobs(rng, np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 6.0]]), [30, 30, 30],
                 [0.5, 0.5, 0.5])
    copies = rng.integers(1, 5, size=base.shape[0])
    x = np.repeat(base, copies, axis=0)
    x = np.vstack([x, np.repeat(np.array([[2.5, 2.5]]), 15, axis=0)])
    write(args.out, "duplicates_euclidean", "three 2-d groups whose points repeat 1 to 4 "
          "times plus one point repeated 15 times, euclidean, min_cluster_size 10",
          x, "euclidean", params(10), seed=7)

    # 7. All points identical, with and without allow_single_cluster.
    x = np.ones((40, 5))
    write(args.out, "identical", "40 identical points, euclidean, min_cluster_size 10",
          x, "euclidean", params(10), seed=8)
    write(args.out, "identical_single", "40 identical points, allow_single_cluster",
          x, "euclidean", params(10, None, "eom", 0.0, True), seed=9)

    # 8. Fewer points than min_cluster_size.
    x = rng.standard_normal((7, 3))
    write(args.out, "fewer_than_min_cluster_size", "7 points, min_cluster_size 10",
          x, "euclidean", params(10), seed=10)

    # 9. Only allow_single_cluster finds a cluster.
    x = rng.standard_normal((60, 2)) * 0.5
    write(args.out, "single_cluster_off", "one 2-d Gaussian of 60 points, "
          "min_cluster_size 25: no split", x, "euclidean", params(25), seed=11)
    write(args.out, "single_cluster_on", "as single_cluster_off with allow_single_cluster",
          x, "euclidean", params(25, None, "eom", 0.0, True), seed=12)

    # 10. A precomputed matrix (cosine distances of 120 vectors in 20 dimensions).
    centres = rng.standard_normal((3, 20))
    v = blobs(rng, centres, [50, 40, 30], [0.3, 0.4, 0.5])
    d = cosine_matrix(v)
    write(args.out, "precomputed_cosine", "cosine distance matrix of 3 blobs in 20 "
          "dimensions, metric precomputed, min_cluster_size 8", d, "precomputed_input",
          params(8), seed=13)

    # 11. scikit-learn's min_samples convention on the 200-d blobs.
    centres = rng.standard_normal((4, 200))
    x = blobs(rng, centres, [60, 50, 40, 30], [0.4, 0.5, 0.6, 0.7]).astype(np.float32)
    write(args.out, "sklearn_convention", "4 blobs in 200 dimensions, scikit-learn HDBSCAN "
          "with min_samples 5 (cosine precomputed)", x, "cosine", params(10, 5),
          convention="scikit_learn", seed=14)
    print("sender_embeddings: not generated (no pipeline output yet; use --from-npy)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
