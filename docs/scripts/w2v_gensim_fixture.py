#!/usr/bin/env python3
"""Writes the gensim interchange fixtures of darkdca-word2vec.

Trains a tiny gensim 4.4 skip-gram model and saves its vectors in the
word2vec text and binary formats, plus a JSON file with the same vectors and
gensim's own most_similar() answers, under fixtures/word2vec/. The Rust test
crates/word2vec/tests/word2vec_format.rs loads them.

Usage (installs gensim into the venv if missing):
    python3 docs/scripts/w2v_gensim_fixture.py [--venv /work/venv-word2vec]
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fixtures", "word2vec")


def ensure_gensim(venv):
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    if subprocess.call([py, "-c", "import gensim"], stderr=subprocess.DEVNULL) != 0:
        subprocess.check_call([py, "-m", "pip", "install", "-q", "gensim==4.4.*"])
    return py


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", default="/work/venv-word2vec")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.inner:
        py = ensure_gensim(args.venv)
        sys.exit(subprocess.call([py, os.path.abspath(__file__), "--inner"]))

    from gensim.models import Word2Vec

    # Two planted groups of addresses-like tokens (no whitespace inside).
    a = ["10.0.0.%d" % i for i in range(6)]
    b = ["192.168.1.%d" % i for i in range(6)]
    sentences = [a[i:] + a[:i] for i in range(6)] * 10 + [b[i:] + b[:i] for i in range(6)] * 10
    model = Word2Vec(sentences, vector_size=8, window=3, negative=5, sg=1, sample=0,
                     min_count=1, workers=1, epochs=30, seed=7)
    kv = model.wv
    os.makedirs(OUT, exist_ok=True)
    kv.save_word2vec_format(os.path.join(OUT, "gensim_tiny.txt"), binary=False)
    kv.save_word2vec_format(os.path.join(OUT, "gensim_tiny.bin"), binary=True)
    import gensim
    reference = {
        "gensim_version": gensim.__version__,
        "tokens": list(kv.index_to_key),
        "vectors": [[float(x) for x in kv[t]] for t in kv.index_to_key],
        "most_similar": {t: [[w, float(s)] for w, s in kv.most_similar(t, topn=3)]
                         for t in (a[0], b[0])},
    }
    with open(os.path.join(OUT, "gensim_tiny.json"), "w") as f:
        json.dump(reference, f, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
