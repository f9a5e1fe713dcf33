//! Writes the embeddings of one day's active senders from a state, for
//! reference comparisons (the HDBSCAN fixture `sender_embeddings` is made
//! from this output).
//!
//! ```text
//! cargo run --release -p darkdca --example export_embeddings -- \
//!     STATE_DIR DAY_SENDERS_CSV OUT.f32 [MAX_ROWS]
//! ```
//!
//! `DAY_SENDERS_CSV` is a `days/<day>.senders.csv` written by `darkdca run`;
//! the output holds one row of little-endian `f32` per sender, in the
//! CSV's order, at most `MAX_ROWS` rows.
#![allow(clippy::print_stdout, reason = "an example that reports what it wrote")]

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;

use darkdca::Pipeline;
use darkdca::trace::Addr;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [state, csv, out, rest @ ..] = args.as_slice() else {
        return Err("usage: export_embeddings STATE_DIR DAY_SENDERS_CSV OUT.f32 [MAX_ROWS]".into());
    };
    let max_rows = rest.first().map(|s| s.parse::<usize>()).transpose()?.unwrap_or(usize::MAX);

    let pipeline = Pipeline::open(Path::new(state))?;
    let model = pipeline.model().ok_or("the state has no embedding model yet")?;

    // The first column of the senders CSV is the address; skip the header.
    let text = std::fs::read_to_string(csv)?;
    let senders: Vec<Addr> = text
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .map(|a| a.parse::<Ipv4Addr>().map(Addr::V4))
        .take(max_rows)
        .collect::<Result<_, _>>()?;

    let x = model.embeddings_for(&senders)?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    for v in &x {
        file.write_all(&v.to_le_bytes())?;
    }
    file.flush()?;
    println!("{} rows of {} dimensions written to {out}", x.nrows(), x.ncols());
    Ok(())
}
