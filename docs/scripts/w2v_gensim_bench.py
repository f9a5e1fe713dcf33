#!/usr/bin/env python3
"""Same-sitting speed and quality comparison of darkdca-word2vec and gensim.

For each vocabulary size (8,000 and 50,000 tokens) the Rust example
`w2v_compare` writes the benchmark planted corpus (the generator of
crates/word2vec/benches/train.rs), then gensim 4.4 and darkdca-word2vec train
on it with the same settings (skip-gram, vector size 200, window 5,
negative 5, sample 0, min_count 1, alpha 0.025 -> 0.0001), runs interleaved,
and the script prints a Markdown table:
  - words/s: trained words per second of wall time, training passes only for
    gensim (train() after build_vocab) and for darkdca (TrainStats.elapsed);
  - words/CPU-s: trained words per CPU second of all threads (gensim:
    process_time around train(); darkdca: /proc/self/stat around
    Model::train, which also builds the vocabulary). Steadier than wall
    time when other jobs share the cores;
  - precision@10: mean share of each sampled token's 10 nearest neighbours
    (cosine) in its own planted group, over every (vocab/1000)-th token.
It also checks that gensim loads the word2vec text and binary files written
by darkdca-word2vec.

Usage (installs gensim into the venv if missing; builds the example):
    python3 docs/scripts/w2v_gensim_bench.py [--epochs 5] [--vocab 8000 50000]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", "/work/target-word2vec")
EXAMPLE = os.path.join(TARGET, "release", "examples", "w2v_compare")


def ensure_gensim(venv):
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    if subprocess.call([py, "-c", "import gensim"], stderr=subprocess.DEVNULL) != 0:
        subprocess.check_call([py, "-m", "pip", "install", "-q", "gensim==4.4.*"])
    return py


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run_ours(vocab, threads, epochs, extra=()):
    out = subprocess.run([EXAMPLE, "--vocab", str(vocab), "--threads", str(threads),
                          "--epochs", str(epochs), *extra],
                         capture_output=True, text=True, check=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["words_per_cpu_second"] = r["words"] / max(r["cpu_seconds"], 0.01)
    return r


def run_gensim(sentences, vocab, workers, epochs):
    from gensim.models import Word2Vec
    m = Word2Vec(vector_size=200, window=5, negative=5, sg=1, hs=0, sample=0, min_count=1,
                 alpha=0.025, min_alpha=0.0001, workers=workers, epochs=epochs, seed=1)
    m.build_vocab(sentences)
    wall, cpu = time.perf_counter(), time.process_time()
    effective, _raw = m.train(sentences, total_examples=len(sentences), epochs=epochs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"impl": "gensim", "vocab": vocab, "threads": workers, "epochs": epochs,
            "words": effective, "seconds": wall, "words_per_second": effective / wall,
            "words_per_cpu_second": effective / cpu,
            "precision_at_10": precision(m.wv, range(0, vocab, max(1, vocab // 1000)))}


def precision(kv, tokens, k=10, group_size=40):
    total = 0.0
    for t in tokens:
        near = kv.most_similar("t%d" % t, topn=k)
        total += sum(int(w[1:]) // group_size == t // group_size for w, _ in near) / k
    return total / len(tokens)


def check_interchange(tmp):
    """gensim loads darkdca's text and binary files and finds the same vectors."""
    from gensim.models import KeyedVectors
    import numpy as np
    prefix = os.path.join(tmp, "vectors")
    run_ours(8000, 1, 1, ["--write-vectors", prefix])
    kt = KeyedVectors.load_word2vec_format(prefix + ".txt", binary=False)
    kb = KeyedVectors.load_word2vec_format(prefix + ".bin", binary=True)
    assert kt.vectors.shape == kb.vectors.shape == (8000, 200), kt.vectors.shape
    assert kt.index_to_key == kb.index_to_key
    assert np.array_equal(kt.vectors, kb.vectors)
    return "gensim loaded darkdca text and binary files: 8000 x 200, identical vectors"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", default="/work/venv-word2vec")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--vocab", type=int, nargs="+", default=[8000, 50000])
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.inner:
        py = ensure_gensim(args.venv)
        subprocess.check_call(["cargo", "build", "--release", "-p", "darkdca-word2vec",
                               "--example", "w2v_compare"], cwd=ROOT,
                              env={**os.environ, "CARGO_TARGET_DIR": TARGET})
        sys.exit(subprocess.call([py, os.path.abspath(__file__), "--inner", "--epochs",
                                  str(args.epochs), "--vocab", *map(str, args.vocab)]))

    import gensim
    print("gensim", gensim.__version__, "| start:", uptime())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for vocab in args.vocab:
            path = os.path.join(tmp, "corpus_%d.txt" % vocab)
            subprocess.run([EXAMPLE, "--vocab", str(vocab), "--no-train", "--write-corpus", path],
                           check=True)
            sentences = [line.split() for line in open(path)]
            for threads in (2, 1):
                rows.append(run_gensim(sentences, vocab, threads, args.epochs))
                rows.append(run_ours(vocab, threads, args.epochs))
                print("  ", uptime(), file=sys.stderr)
        print(check_interchange(tmp))
    print("end:", uptime())
    print()
    print("| vocab | threads | impl | words | wall s | words/s | words/CPU-s | precision@10 |")
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in sorted(rows, key=lambda r: (r["vocab"], r["threads"], r["impl"])):
        print("| {vocab} | {threads} | {impl} | {words} | {seconds:.2f} | {words_per_second:,.0f} | "
              "{words_per_cpu_second:,.0f} | {precision_at_10:.3f} |".format(**r))
    print()
    for vocab in args.vocab:
        for threads in (1, 2):
            g = next(r for r in rows if r["vocab"] == vocab and r["threads"] == threads and r["impl"] == "gensim")
            d = next(r for r in rows if r["vocab"] == vocab and r["threads"] == threads and r["impl"] == "darkdca")
            print("vocab %d, %d thread(s): darkdca/gensim = %.2fx (wall), %.2fx (CPU)" % (
                vocab, threads, d["words_per_second"] / g["words_per_second"],
                d["words_per_cpu_second"] / g["words_per_cpu_second"]))


if __name__ == "__main__":
    main()
