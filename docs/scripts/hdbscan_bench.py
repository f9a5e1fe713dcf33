#!/usr/bin/env python3
"""Time the Python references on the vectors the Rust benchmark uses.

Dev-only. First write the vectors with the Rust example (little-endian f32,
200 columns), then run this script with the venv that has `hdbscan` and
scikit-learn:

    cargo run --release -p darkdca-hdbscan --example hdbscan_scale -- 8000 --write /tmp/hdbscan_8000.f32
    /work/venv-hdbscan/bin/python docs/scripts/hdbscan_bench.py /tmp/hdbscan_8000.f32 [--labels OUT]

Each implementation runs in its own child process so that its peak memory
(ru_maxrss) and a crash are measured separately (for a crash, the time until
the child exited and the largest child's peak so far):

- hdbscan-generic: `hdbscan.HDBSCAN(metric="cosine", algorithm="generic")` on
  float64 input (the reference refuses cosine on its tree algorithms);
- hdbscan-precomputed: the reference on a float64 cosine distance matrix;
- sklearn: `sklearn.cluster.HDBSCAN(metric="cosine")`, `min_samples` 11 so
  that its core distances equal the reference's `min_samples` 10.
All use min_cluster_size 10. `seconds` and `cpu_seconds` cover the fit only
(imports included for the first import inside the fit, e.g. scikit-learn's
cluster module).
"""
import argparse
import json
import resource
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
import numpy as np
path, kind, labels_out = sys.argv[1], sys.argv[2], sys.argv[3]
x = np.fromfile(path, dtype="<f4").reshape(-1, 200)
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
if kind == "hdbscan-generic":
    import hdbscan
    model = hdbscan.HDBSCAN(min_cluster_size=10, metric="cosine", algorithm="generic")
    labels = model.fit(x.astype(np.float64)).labels_
elif kind == "hdbscan-precomputed":
    import hdbscan
    from sklearn.metrics.pairwise import cosine_distances
    d = cosine_distances(x.astype(np.float64))
    labels = hdbscan.HDBSCAN(min_cluster_size=10, metric="precomputed").fit(d).labels_
else:
    from sklearn.cluster import HDBSCAN
    labels = HDBSCAN(min_cluster_size=10, min_samples=11, metric="cosine").fit(x).labels_
elapsed = time.perf_counter() - start
if labels_out != "-":
    np.savetxt(labels_out, labels, fmt="%d")
usage = resource.getrusage(resource.RUSAGE_SELF)
peak = usage.ru_maxrss / 1024.0
cpu = (usage.ru_utime + usage.ru_stime) - (before.ru_utime + before.ru_stime)
print(json.dumps({"kind": kind, "n": int(x.shape[0]), "seconds": elapsed, "cpu_seconds": cpu,
                  "peak_mib": peak,
                  "clusters": int(labels.max() + 1), "noise": int((labels == -1).sum())}))
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("vectors")
    ap.add_argument("--labels", help="write hdbscan-precomputed labels here", default="-")
    ap.add_argument("--only", help="comma-separated subset of kinds")
    args = ap.parse_args()
    kinds = ["hdbscan-generic", "hdbscan-precomputed", "sklearn"]
    if args.only:
        kinds = args.only.split(",")
    for kind in kinds:
        out = args.labels if kind == "hdbscan-precomputed" else "-"
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", CHILD, args.vectors, kind, out],
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            # ru_maxrss of children is the largest child so far, crashed ones included.
            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
            print(json.dumps({"kind": kind, "failed": proc.returncode, "error": tail,
                              "seconds_until_exit": wall, "children_peak_mib": children}))
        else:
            print(proc.stdout.strip())
        sys.stdout.flush()


if __name__ == "__main__":
    main()
