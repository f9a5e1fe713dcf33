//! The default over twenty generated `small` scenarios (simulator seeds 101
//! to 120), scored together. One scenario holds one or two new groups, too
//! few to measure novelty on; twenty hold 37 that the scoring decides, and
//! 35 flags. Floors sit below the pooled scores measured when they were
//! chosen (`docs/EVALUATION.md`, "Twenty small scenarios").
//!
//! The scenarios are generated in memory, so nothing is written; each run
//! is single-threaded and deterministic.

#![allow(clippy::print_stdout, reason = "the scores are printed for the CI log")]

use std::sync::Mutex;

use darkdca::{Config, DayResult, Preset};
use darkdca_eval::{Params, Scores, evaluate, run_simulation};
use darkdca_sim::Scenario;

const SEEDS: std::ops::RangeInclusive<u64> = 101..=120;

fn score(seed: u64, config: &Config) -> Scores {
    run(seed, config).0
}

/// The scores of one seed, with the day results.
fn run(seed: u64, config: &Config) -> (Scores, Vec<DayResult>) {
    let mut scenario = Scenario::preset("small").unwrap();
    scenario.seed = seed;
    let mut config = config.clone();
    config.embedding.threads = 1;
    let (results, truths) = run_simulation(config.check().unwrap(), &scenario).unwrap();
    (evaluate(&results, &truths, &Params::default()).unwrap(), results)
}

/// Scores of every seed, in seed order, spread over the machine's cores.
fn score_all(config: &Config) -> Vec<(u64, Scores)> {
    let todo = Mutex::new(SEEDS.collect::<Vec<_>>());
    let done = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(seed) = todo.lock().unwrap().pop() {
                    let scores = score(seed, config);
                    done.lock().unwrap().push((seed, scores));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|&(seed, _)| seed);
    done
}

/// Sums of the scores' counts over seeds.
#[derive(Debug, Default)]
struct Pooled {
    /// Sum of the runs' mean daily ARI.
    ari_sum: f64,
    /// Lowest daily ARI of any run.
    ari_min: f64,
    /// Runs (seeds) pooled.
    n_runs: usize,
    fates: (usize, usize),
    flags: (usize, usize),
    new: (usize, usize),
}

impl Pooled {
    fn of(all: &[(u64, Scores)]) -> Self {
        let mut p = Self { ari_min: 1.0, ..Self::default() };
        for (_, s) in all {
            let s = &s.summary;
            p.ari_sum += s.ari_mean.unwrap();
            p.ari_min = p.ari_min.min(s.ari_min.unwrap());
            p.n_runs += 1;
            p.fates.0 += s.n_fates_recovered;
            p.fates.1 += s.n_fates;
            p.flags.0 += s.n_true_novel;
            p.flags.1 += s.n_flagged;
            p.new.0 += s.n_new_found;
            p.new.1 += s.n_new_groups;
        }
        p
    }

    #[allow(clippy::cast_precision_loss)]
    fn share((hit, all): (usize, usize)) -> f64 {
        hit as f64 / all.max(1) as f64
    }
}

#[test]
fn the_default_keeps_its_scores_over_twenty_small_scenarios() {
    let all = score_all(&Config::preset(Preset::Recommended));
    println!("{}", Scores::summary_header());
    for (seed, s) in &all {
        println!("{}", s.summary_row(&format!("small, seed {seed}")));
    }
    let p = Pooled::of(&all);
    #[allow(clippy::cast_precision_loss)]
    let ari_mean = p.ari_sum / p.n_runs as f64;
    println!(
        "pooled: ARI mean {ari_mean:.3} (lowest day {:.3}), fates {}/{}, novelty precision {}/{}, \
         recall {}/{}",
        p.ari_min, p.fates.0, p.fates.1, p.flags.0, p.flags.1, p.new.0, p.new.1
    );
    // Measured: ARI 0.973 (lowest day 0.607), fates 1137/1221 = 0.931,
    // precision 34/35 = 0.971, recall 34/37 = 0.919. Recall's floor is the
    // goal of docs/EVALUATION.md: one new group fewer found fails.
    assert!(ari_mean >= 0.96, "ARI mean {ari_mean:.3}");
    assert!(Pooled::share(p.fates) >= 0.92, "fates {:?}", p.fates);
    assert!(Pooled::share(p.flags) >= 0.93, "novelty precision {:?}", p.flags);
    assert!(Pooled::share(p.new) >= 0.9, "novelty recall {:?}", p.new);
}

/// Seed 106 plants group 12 (13 senders) on day 1, among that day's new
/// one-off senders, which lie close together in the embedding. Kept whole,
/// its cluster holds 29 members, 16 of them noise: a false flag, and the
/// group is missed. Cut to members with a membership probability of at
/// least 0.25 (`clustering.new_cluster_min_probability`), it holds 14, 13
/// of them the group's.
#[test]
fn a_new_group_among_new_noise_is_reported_by_its_core() {
    let mut whole = Config::preset(Preset::Recommended);
    whole.clustering.new_cluster_min_probability = 0.0;
    let (default, results) = run(106, &Config::preset(Preset::Recommended));
    let whole = score(106, &whole);
    // The day-1 cluster, cut from 29 members to 14: a candidate, since its
    // silhouette with the 15 cut is far below the confirming 0.95.
    let cut = results[1].clusters.iter().find(|c| c.n_fringe > 0 && c.novel).unwrap();
    assert_eq!((cut.size, cut.n_fringe), (14, 15));
    let (sil, sil_whole) = (cut.silhouette.unwrap(), cut.silhouette_whole.unwrap());
    assert!(sil_whole < 0.6 && sil > 0.9, "silhouette {sil}, with the fringe {sil_whole}");
    assert_eq!(cut.novelty_status.as_deref(), Some("pending"));
    println!("{}", Scores::summary_header());
    println!("{}", default.summary_row("recommended"));
    println!("{}", whole.summary_row("new clusters kept whole"));
    let novelty = |s: &Scores| {
        let s = &s.summary;
        (s.n_true_novel, s.n_flagged, s.n_new_found, s.n_new_groups)
    };
    assert_eq!(novelty(&default), (2, 2, 2, 2));
    assert_eq!(novelty(&whole), (1, 2, 1, 2));
}

/// Seed 115 plants two new groups that go silent the day after they
/// appear: group 12 (day 1) does not come back, group 13 (day 2) comes back
/// on day 5. Rejecting a candidate the first day its group is silent
/// misses both; waiting confirms group 13 on its return; the default also
/// flags group 12 at once (silhouette 0.99).
#[test]
fn new_groups_that_fall_silent_at_once_are_still_found() {
    let with = |wait: u32, silhouette: Option<f32>| {
        let mut c = Config::preset(Preset::Recommended);
        c.tracking.novelty_wait_inactive = wait;
        c.tracking.novelty_confirm_silhouette = silhouette;
        c
    };
    let default = score(115, &Config::preset(Preset::Recommended));
    let strict = score(115, &with(0, None));
    let wait = score(115, &with(7, None));
    let found = |s: &Scores| (s.summary.n_new_found, s.summary.n_new_groups);
    println!("{}", Scores::summary_header());
    println!("{}", default.summary_row("recommended"));
    println!("{}", strict.summary_row("no wait, no silhouette"));
    println!("{}", wait.summary_row("wait, no silhouette"));
    assert_eq!(found(&default), (2, 2));
    assert_eq!(found(&strict), (0, 2));
    // Group 12's candidate is still waiting when the run ends: the run saw
    // its group go silent, so it counts as missed, not as undecided.
    assert_eq!(found(&wait), (1, 2));
    assert_eq!(default.summary.n_flagged, default.summary.n_true_novel);
}
