//! The committed scenario under `fixtures/scenario/` is what the simulator
//! generates today, and the trace crate reads it back packet for packet.

use std::path::{Path, PathBuf};

use darkdca_sim::{Manifest, Scenario, Simulation, Truth, generate};
use darkdca_trace::{BatchParams, Batcher, CaptureReader, Prefix};

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

/// The trace crate's own daily batching and activity filter agree with the
/// truth: one batch per simulated day, same packets, senders and active
/// senders, and the same Mirai-like senders as the truth's botnets.
#[test]
fn the_trace_crate_batches_the_scenario_as_the_truth_says() {
    let dir = committed();
    let manifest = Manifest::load(&dir).unwrap();
    let prefix: Prefix = manifest.scenario.telescope.to_string().parse().unwrap();
    let mut batcher = Batcher::new(BatchParams::default().telescope(vec![prefix])).unwrap();
    for day in &manifest.days {
        let (pcap, _) = manifest.day_paths(&dir, day);
        batcher.feed(CaptureReader::open(&pcap).unwrap()).unwrap();
    }
    let batches = batcher.finish();
    assert_eq!(batches.len(), manifest.days.len());
    for (batch, day) in batches.iter().zip(&manifest.days) {
        let truth = Truth::load(&manifest.day_paths(&dir, day).1).unwrap();
        assert_eq!(batch.id().start_ns(), truth.start_ns);
        assert_eq!(batch.n_packets(), truth.n_packets);
        assert_eq!(batch.n_senders() as u32, truth.n_senders);
        assert_eq!(batch.active_senders(5).count() as u32, truth.n_active_senders);
        let bots: Vec<_> = truth
            .groups
            .iter()
            .filter(|g| g.kind == darkdca_sim::GroupKind::Botnet)
            .map(|g| g.id)
            .collect();
        let n_bots =
            truth.senders.iter().filter(|s| s.group.is_some_and(|g| bots.contains(&g))).count();
        let n_mirai = batch.senders().iter().filter(|s| s.is_mirai_like()).count();
        assert_eq!(n_mirai, n_bots, "day {}", day.day);
    }
}
