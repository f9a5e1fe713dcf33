//! The full pipeline on the committed small scenario (`fixtures/scenario/`),
//! scored against its truth, with floors set slightly below the scores
//! measured when they were chosen (see `docs/EVALUATION.md`): a change that
//! makes detection worse fails here.
//!
//! One thread, fixed seeds: the runs are deterministic, so the floors only
//! leave room for intended changes of the pipeline, not for chance.

#![allow(clippy::print_stdout, reason = "the scores are printed for the CI log")]

use std::path::{Path, PathBuf};

use darkdca::config::CountPolicy;
use darkdca::output::{Formats, write_day};
use darkdca::{Config, DayResult, Preset};
use darkdca_eval::{
    NoveltyGate, Params, RunDay, Scores, evaluate, evaluate_dir, evaluate_run, run_scenario_dir,
};
use darkdca_sim::{FateKind, Truth};

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scenario")
}

fn run(config: Config) -> (Vec<DayResult>, Vec<Truth>) {
    let mut config = config;
    config.embedding.threads = 1;
    run_scenario_dir(config.check().unwrap(), &scenario_dir()).unwrap()
}

/// The tuned configuration measured in `docs/EVALUATION.md`, built from the
/// paper preset until the facade offers it as its default.
fn tuned() -> Config {
    // The settings the README recommends live in a committed file, so the
    // floors below hold for exactly what users are told to pass.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pipeline/tuned.toml");
    let c =
        Config::preset(Preset::Paper).overlay_file(&path).expect("tuned.toml is a valid overlay");
    assert_eq!(c.embedding.bootstrap_epochs, 10);
    assert_eq!(c.embedding.epochs, 5);
    assert_eq!(c.clustering.min_samples, Some(5));
    c
}

/// The novelty gate measured with [`tuned`].
fn gate() -> NoveltyGate {
    NoveltyGate { persistence: true, max_known_share: Some(0.5), ..NoveltyGate::default() }
}

fn at_least(what: &str, value: Option<f64>, floor: f64) {
    let v = value.unwrap_or(f64::NAN);
    assert!(v >= floor, "{what} is {v:.3}, below its floor {floor}");
}

#[test]
fn the_paper_preset_keeps_its_measured_scores() {
    let (results, truths) = run(Config::preset(Preset::Paper));
    let scores = evaluate(&results, &truths, &Params::default()).unwrap();
    println!("{scores}");
    let s = &scores.summary;
    // Measured: ARI 0.193, fates 8/61 = 0.131 (one epoch on a cold model
    // leaves days 0 and 1 without clusters).
    at_least("ARI", s.ari_mean, 0.17);
    at_least("fates recovered", s.fates_recovered, 0.12);
    assert_eq!(s.n_fates, 61);
}

#[test]
fn the_tuned_configuration_keeps_its_measured_scores() {
    let (results, truths) = run(tuned());
    let scores = evaluate(&results, &truths, &Params::default()).unwrap();
    println!("{scores}");
    let s = &scores.summary;
    // Measured: ARI 0.983 (lowest day 0.951), fates 55/61 = 0.902.
    at_least("ARI", s.ari_mean, 0.97);
    at_least("lowest daily ARI", s.ari_min, 0.94);
    at_least("fates recovered", s.fates_recovered, 0.88);

    // The gate prototype on the same run.
    let mut days = RunDay::from_results(&results).unwrap();
    gate().apply(&mut days);
    let gated = evaluate_run(&days, &truths, &Params::default()).unwrap();
    println!("{}", Scores::summary_header());
    println!("{}", scores.summary_row("tuned"));
    println!("{}", gated.summary_row("tuned + gate"));
    // Measured: 15 flags, 1 true (precision 0.07); gated 1 of 1; recall 1
    // of 2 either way (group 16, 10 members, is never clustered alone).
    at_least("gated novelty precision", gated.summary.novelty_precision, 0.5);
    at_least("gated novelty recall", gated.summary.novelty_recall, 0.5);
    assert!(gated.summary.n_flagged < scores.summary.n_flagged);

    // The same results written as the command writes them score the same.
    let out = tempfile::tempdir().unwrap();
    for r in &results {
        write_day(out.path(), r, Formats { json: true, csv: false }).unwrap();
    }
    // JSON keeps every count; silhouettes may differ in the last bit.
    let from_files = evaluate_dir(out.path(), &scenario_dir(), &Params::default()).unwrap();
    assert_eq!(from_files.days, scores.days);
    assert_eq!(from_files.fates, scores.fates);
    assert_eq!(from_files.to_string(), scores.to_string());
}

#[test]
fn the_recommended_preset_keeps_its_measured_scores() {
    let (results, truths) = run(Config::preset(Preset::Recommended));
    let scores = evaluate(&results, &truths, &Params::default()).unwrap();
    println!("{scores}");
    println!("{}", Scores::summary_header());
    println!("{}", scores.summary_row("recommended"));
    let s = &scores.summary;
    // Measured: ARI 0.987 (lowest day 0.975), fates 57/61 = 0.934, changes
    // 8/9 (all but group 16's appearance); 1 novelty flag, true (precision
    // 1/1), recall 1 of 2 (group 16, exactly 10 members, is never
    // clustered alone). With `min_samples` 5 this seed gave 59/61, but
    // other embedding seeds give 55 to 58 with either value (EVALUATION.md).
    at_least("ARI", s.ari_mean, 0.98);
    at_least("lowest daily ARI", s.ari_min, 0.96);
    at_least("fates recovered", s.fates_recovered, 0.92);
    at_least("changes recovered", s.changes_recovered, 0.85);
    at_least("novelty precision", s.novelty_precision, 0.99);
    at_least("novelty recall", s.novelty_recall, 0.5);
    assert!(s.n_flagged <= 1, "{} confirmed novelty flags, measured 1", s.n_flagged);
    let splits: Vec<_> = scores.fates.iter().filter(|f| f.kind == FateKind::Split).collect();
    assert!(splits.len() == 1 && splits[0].recovered, "the split of day 3 is seen");
    // The facade's two gates give what the post-run prototype gives on the
    // same clusters: the unconfirmed flags with the persistence test equal
    // the confirmed ones, and the known-share test clears nothing more.
    let raw = results.iter().map(|r| RunDay::from_result(r).unwrap()).collect::<Vec<_>>();
    let flags = |days: &[RunDay]| -> Vec<(i64, u64)> {
        days.iter()
            .flat_map(|d| d.clusters.iter().filter(|c| c.novel).map(|c| (d.start_unix, c.lineage)))
            .collect()
    };
    let mut prototype = raw.clone();
    NoveltyGate { persistence: true, max_known_share: Some(0.4), ..NoveltyGate::default() }
        .apply(&mut prototype);
    let confirmed = RunDay::from_results(&results).unwrap();
    assert_eq!(flags(&confirmed), flags(&prototype));
    assert!(flags(&raw).len() > flags(&confirmed).len(), "candidates were rejected");
    // Every candidate left unconfirmed was rejected or is still waiting
    // for its group, which went silent (one-off senders do not return;
    // the week's wait outlasts this six-day run).
    let confirmed_flags = flags(&confirmed);
    for (d, r) in results.iter().enumerate() {
        for c in r.clusters.iter().filter(|c| c.novel) {
            let start = r.start_unix;
            if confirmed_flags.contains(&(start, c.lineage)) {
                continue;
            }
            let later = &results[d + 1..];
            let rejected = later.iter().flat_map(|l| &l.novelty_decisions).any(|n| {
                n.lineage == c.lineage && n.flagged_batch_id == r.batch_id && !n.confirmed
            });
            let silent = later.iter().any(|l| l.went_inactive(c.lineage));
            let last_day = d + 1 == results.len();
            assert!(rejected || silent || last_day, "candidate {} of day {d}", c.lineage);
        }
    }
    let gated: usize = results
        .iter()
        .flat_map(|r| &r.clusters)
        .filter(|c| c.novelty_gate.as_deref() == Some("known_share"))
        .count();
    assert!(gated > 0, "the gate clears the flags of regrouped known senders");
}

/// The i-DarkVec update (counts accumulated, nothing forgotten) misses
/// the split of day 3, which the default sees on its day: the same preset
/// with plain updates reports the botnet as survived.
#[test]
fn plain_updates_miss_the_split_the_default_sees() {
    let mut plain = Config::preset(Preset::Recommended);
    assert_eq!(plain.embedding.forget, 0.4);
    plain.embedding.forget = 0.0;
    plain.embedding.count_policy = CountPolicy::Accumulate;
    let (results, truths) = run(plain);
    let scores = evaluate(&results, &truths, &Params::default()).unwrap();
    let s = &scores.summary;
    println!("recommended with plain updates: {}/{} changes", s.n_changes_recovered, s.n_changes);
    // Measured: 7 of 9 changes (the split and group 16's appearance
    // missed), and 8 of 9 with the default (the test above, which checks
    // the split).
    assert!(s.n_changes_recovered <= 7, "{} of {} changes", s.n_changes_recovered, s.n_changes);
    let missed = |kind| scores.fates.iter().any(|f| f.kind == kind && !f.recovered);
    assert!(missed(FateKind::Split));
}
