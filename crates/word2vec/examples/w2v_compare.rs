//! Trains on a benchmark planted corpus and prints speed and neighbour
//! quality as one JSON line; optionally writes the corpus as text (one
//! sentence per line, tokens `t<id>`) for gensim. Driven by
//! `docs/scripts/w2v_gensim_bench.py`.
//!
//! `cargo run --release -p darkdca-word2vec --example w2v_compare -- \
//!     --vocab 8000 --threads 2 --epochs 5 [--write-corpus PATH] [--no-train]
//!     [--write-vectors PREFIX]`
//!
//! `--write-vectors` also trains a one-epoch model on the `t<id>` spelling
//! and writes `PREFIX.txt` and `PREFIX.bin` for gensim to load.

#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs)]

use std::io::Write;

use darkdca_word2vec::{Model, Params};

#[path = "../tests/common/planted.rs"]
mod planted;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// CPU seconds (user + system, all threads) used by this process so far,
/// from `/proc/self/stat` (Linux; 0 elsewhere). Training dominates the
/// difference taken around `Model::train`, which also builds the vocabulary.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line, in clock ticks of 1/100 s.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The corpus with tokens spelled as in the text file (`t<id>`).
fn text_corpus(corpus: &[Vec<u32>]) -> Vec<Vec<String>> {
    corpus.iter().map(|s| s.iter().map(|t| format!("t{t}")).collect()).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let vocab: u32 = arg(&args, "--vocab").unwrap_or("8000".into()).parse()?;
    let threads: usize = arg(&args, "--threads").unwrap_or("1".into()).parse()?;
    let epochs: usize = arg(&args, "--epochs").unwrap_or("5".into()).parse()?;
    let spec = planted::bench_spec(vocab);
    let corpus = spec.generate(0);

    if let Some(path) = arg(&args, "--write-corpus") {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for sentence in text_corpus(&corpus) {
            writeln!(out, "{}", sentence.join(" "))?;
        }
        out.flush()?;
    }
    if args.iter().any(|a| a == "--no-train") {
        return Ok(());
    }

    let params = Params::builder().epochs(epochs).threads(threads).seed(1).build()?;
    let cpu_before = cpu_seconds();
    let (model, stats) = Model::train(&params, &corpus)?;
    let cpu = cpu_seconds() - cpu_before;
    if let Some(prefix) = arg(&args, "--write-vectors") {
        let named = Model::train(&params.to_builder().epochs(1).build()?, &text_corpus(&corpus))?.0;
        named.write_word2vec_text(format!("{prefix}.txt"))?;
        named.write_word2vec_binary(format!("{prefix}.bin"))?;
    }

    // Precision@10 over every (vocab/1000)-th token, as in the gensim script.
    let k = 10;
    let (mut sum, mut n) = (0.0, 0);
    for t in (0..vocab).step_by((vocab as usize / 1000).max(1)) {
        if let Some(nearest) = model.most_similar(&t, k) {
            sum += nearest.iter().filter(|s| spec.group(s.token) == spec.group(t)).count() as f64
                / k as f64;
            n += 1;
        }
    }
    println!(
        "{{\"impl\":\"darkdca\",\"vocab\":{vocab},\"threads\":{threads},\"epochs\":{epochs},\"words\":{},\"seconds\":{:.4},\"words_per_second\":{:.0},\"cpu_seconds\":{cpu:.3},\"precision_at_10\":{:.4}}}",
        stats.n_trained_words,
        stats.elapsed.as_secs_f64(),
        stats.words_per_second(),
        sum / f64::from(n.max(1)),
    );
    Ok(())
}
