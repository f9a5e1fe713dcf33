//! The committed scenario under `fixtures/scenario/` is what the simulator
//! generates today, and the trace crate reads it back packet for packet.

use std::path::{Path, PathBuf};

use darkdca_sim::{Manifest, Scenario, Simulation, Truth, generate};
use darkdca_trace::CaptureReader;

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scenario")
}

#[test]
fn regenerating_the_small_scenario_gives_the_committed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate(&Scenario::preset("small").unwrap(), dir.path()).unwrap();
    let mut names: Vec<PathBuf> =
        out.days.iter().flat_map(|d| [d.pcap.clone(), d.truth.clone()]).collect();
    names.push(out.manifest);
    let mut committed_names: Vec<_> =
        std::fs::read_dir(committed()).unwrap().map(|e| e.unwrap().file_name()).collect();
    committed_names.sort();
    let mut generated_names: Vec<_> =
        names.iter().map(|p| p.file_name().unwrap().to_owned()).collect();
    generated_names.sort();
    assert_eq!(
        committed_names, generated_names,
        "fixtures/scenario/ holds other files; regenerate with `cargo xtask scenario`"
    );
    for path in names {
        let name = path.file_name().unwrap();
        let want = std::fs::read(committed().join(name)).unwrap();
        let got = std::fs::read(&path).unwrap();
        assert!(
            want == got,
            "{} differs from the committed file; if the change is intended, \
             regenerate with `cargo xtask scenario`",
            name.to_string_lossy()
        );
    }
}

#[test]
fn the_trace_reader_reads_back_every_packet() {
    let manifest = Manifest::load(&committed()).unwrap();
    let sim = Simulation::new(&manifest.scenario).unwrap();
    let day = &manifest.days[2];
    let (pcap, truth) = manifest.day_paths(&committed(), day);
    let truth = Truth::load(&truth).unwrap();
    let read: Vec<_> = CaptureReader::open(&pcap).unwrap().map(Result::unwrap).collect();
    let streamed: Vec<_> = sim.day_stream(day.day).unwrap().collect();
    assert_eq!(read.len() as u64, truth.n_packets);
    assert_eq!(read, streamed);
}
