//! Streams one day of a preset in memory and prints the throughput; run it
//! under `/usr/bin/time` to see the CPU time on a shared machine:
//!
//! `cargo run --release -p darkdca-sim --example stream_day -- large 0`
#![allow(clippy::print_stdout, reason = "an example that reports a figure")]

use std::time::Instant;

use darkdca_sim::{Scenario, Simulation};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let preset = args.next().unwrap_or_else(|| "standard".into());
    let day: u32 = args.next().map_or(Ok(0), |d| d.parse())?;
    let started = Instant::now();
    let sim = Simulation::new(&Scenario::preset(&preset)?)?;
    let planned = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (mut n, mut mirai) = (0u64, 0u64);
    for p in sim.day_stream(day)? {
        n += 1;
        mirai += u64::from(p.is_mirai_like());
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{preset} day {day}: planned in {planned:.2} s; {n} packets ({mirai} Mirai-like) \
         in {secs:.2} s wall, {:.2} M packets/s",
        n as f64 / secs / 1e6
    );
    Ok(())
}
