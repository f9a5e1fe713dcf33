//! The presets have the scale their documentation promises.
#![allow(clippy::print_stdout, reason = "the measured scale is worth seeing")]

use darkdca_sim::{Scenario, Simulation};

/// Mean active senders and packets a day, from the plan (no packets drawn).
fn scale(name: &str) -> (f64, f64) {
    let sim = Simulation::new(&Scenario::preset(name).unwrap()).unwrap();
    let m = sim.manifest();
    let n = m.days.len() as f64;
    let active = m.days.iter().map(|d| f64::from(d.n_active_senders)).sum::<f64>() / n;
    let packets = m.days.iter().map(|d| d.n_packets as f64).sum::<f64>() / n;
    (active, packets)
}

#[test]
fn small_is_a_few_thousand_senders() {
    let (active, packets) = scale("small");
    assert!((1_000.0..2_000.0).contains(&active), "{active}");
    assert!((15_000.0..35_000.0).contains(&packets), "{packets}");
}

#[test]
fn standard_is_the_pipeline_benchmark_day() {
    let (active, packets) = scale("standard");
    println!("standard: {active} active, {packets} packets");
    assert!((7_200.0..8_800.0).contains(&active), "{active}");
    assert!((1.35e6..1.65e6).contains(&packets), "{packets}");
}

#[test]
fn large_is_fifty_thousand_senders_and_ten_million_packets() {
    let (active, packets) = scale("large");
    println!("large: {active} active, {packets} packets");
    assert!((45_000.0..55_000.0).contains(&active), "{active}");
    assert!((9.0e6..11.0e6).contains(&packets), "{packets}");
}
