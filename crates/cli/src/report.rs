//! `darkdca report`: the run's state converted into the report's input.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use darkdca::DayResult;
use darkdca::day::batch_label;
use darkdca::result::NoveltyOutcomes;
use darkdca::state::{RunMeta, StateDir};
use darkdca_report as rep;
use tracing::info;

use crate::cli::{Conflict, ReportArgs};

/// Days before a novel cluster's day shown in its activity raster.
const RASTER_DAYS: usize = 14;

/// `darkdca report`: writes `index.html` and `report_input.json` into `--out`.
pub fn report(args: &ReportArgs, quiet: bool) -> Result<()> {
    // Refused as by `run`, with a hint that fits an existing state.
    if crate::cli::check_separate(&args.state, &args.out).is_err() {
        return Err(Conflict(format!(
            "--state and --out are the same directory ({}); the report's index.html and \
             report_input.json would be written among the state's files: give another \
             directory, e.g. --out report",
            args.out.display()
        ))
        .into());
    }
    let page = write(&args.state, &args.out, args.name.clone())?;
    if !quiet {
        crate::stdout(&format!("report: {}\n", page.display()))?;
    }
    Ok(())
}

/// Writes the report of the state at `state_dir` into `out`; returns the
/// page's path. `name` defaults to the state directory's name.
pub fn write(state_dir: &Path, out: &Path, name: Option<String>) -> Result<PathBuf> {
    let state = StateDir::new(state_dir);
    let meta = state.read_meta()?;
    let days = load_days(&state, &meta)?;
    let name = name.unwrap_or_else(|| default_title(state_dir, &meta));
    let generated = generation_time()?;
    let mut input = build_input(&meta, &days, name);
    input.run.generated_at = batch_label(generated, 1);
    let json = input.to_json()?;
    darkdca::state::write_atomic(&out.join("report_input.json"), json.as_bytes())?;
    let page = rep::write_report(&input, out)?;
    info!(days = days.len(), lineages = input.lineages.len(), "report written");
    Ok(page)
}

/// `SOURCE_DATE_EPOCH` is not a whole number of seconds since 1970 (exit
/// status 3).
#[derive(Debug)]
pub struct BadSourceDateEpoch(pub String);

impl std::fmt::Display for BadSourceDateEpoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SOURCE_DATE_EPOCH is {:?}, not a whole number of seconds since 1970-01-01",
            self.0
        )
    }
}

impl std::error::Error for BadSourceDateEpoch {}

/// The time the report says it was made, seconds since the Unix epoch:
/// `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention, so
/// that two reports of the same run are byte-identical), else the clock.
fn generation_time() -> Result<u64> {
    match std::env::var_os("SOURCE_DATE_EPOCH") {
        Some(v) => {
            let text = v.to_string_lossy().into_owned();
            // The report's dates end in 2100, as the records' times do.
            match text.trim().parse::<u64>() {
                Ok(t) if t < 4_102_444_800 => Ok(t),
                _ => Err(BadSourceDateEpoch(text).into()),
            }
        }
        None => Ok(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())),
    }
}

/// The report's title when none is given: the name of the folder of the
/// first capture read (the folder itself, or a file's folder), else the
/// state directory's name.
fn default_title(state_dir: &Path, meta: &RunMeta) -> String {
    let name_of = |p: &Path| {
        let p = std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
        p.file_name().map(|n| n.to_string_lossy().into_owned())
    };
    meta.sources
        .first()
        .and_then(|s| {
            let p = Path::new(s);
            if p.is_dir() {
                name_of(p)
            } else {
                std::path::absolute(p).ok()?.parent().and_then(name_of)
            }
        })
        .or_else(|| name_of(state_dir))
        .unwrap_or_default()
}

/// Every day result of the state, oldest first.
pub fn load_days(state: &StateDir, meta: &RunMeta) -> Result<Vec<DayResult>> {
    meta.days
        .iter()
        .map(|d| {
            state.read_day_of(d).with_context(|| format!("cannot read the result of {}", d.day))
        })
        .collect()
}

/// Converts a run into the report's input.
pub fn build_input(meta: &RunMeta, days: &[DayResult], name: String) -> rep::ReportInput {
    let c = &meta.config;
    let params = vec![
        rep::Param::new("min_packets (more than)", c.trace.min_packets),
        rep::Param::new("vector_size", c.embedding.vector_size),
        rep::Param::new("window", c.embedding.window),
        rep::Param::new(
            "epochs (bootstrap)",
            format!("{} ({})", c.embedding.epochs, c.embedding.bootstrap_epochs),
        ),
        rep::Param::new("min_cluster_size", c.clustering.min_cluster_size),
        rep::Param::new("new_cluster_min_probability", c.clustering.new_cluster_min_probability),
        rep::Param::new("match_threshold", c.tracking.match_threshold),
        rep::Param::new("split_threshold", c.tracking.split_threshold),
        rep::Param::new("novelty_confirm_batches", c.tracking.novelty_confirm_batches),
        rep::Param::new("novelty_wait_inactive", c.tracking.novelty_wait_inactive),
        rep::Param::new(
            "novelty_confirm_silhouette",
            c.tracking
                .novelty_confirm_silhouette
                .map_or_else(|| "off".to_owned(), |s| s.to_string()),
        ),
        rep::Param::new("config hash", &meta.config_hash),
    ];
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut input = rep::ReportInput::new(rep::RunInfo {
        name,
        tool_version: meta.tool_version.clone(),
        preset: meta.preset.clone().unwrap_or_else(|| "custom".into()),
        params,
        state_format_version: meta.format_version,
        generated_at: batch_label(now, 1),
        sources: meta.sources.clone(),
    });

    let decisions = NoveltyOutcomes::of(days);
    let mut lineages: BTreeMap<u64, rep::Lineage> = BTreeMap::new();
    for (d, day) in days.iter().enumerate() {
        let mut summary = day_summary(day);
        for cl in &day.clusters {
            let l = lineages
                .entry(cl.lineage)
                .or_insert_with(|| rep::Lineage { id: cl.lineage, ..Default::default() });
            l.presence.push(rep::Presence { day_idx: d, size: cl.size as u64 });
            l.majority_label = Some(cl.majority_label.clone());
            if let Novelty::Listed(status, confirmed_on) = novelty(&decisions, days, d, cl) {
                summary.n_novel += 1;
                if l.novel_on.is_none() {
                    l.novel_on = Some(d);
                }
                let mut novel = novel_cluster(days, d, cl);
                novel.status = status;
                novel.confirmed_on = confirmed_on;
                input.novel_clusters.push(novel);
            }
            if let Some(from) = cl.reidentified_from.filter(|&f| f != cl.lineage) {
                input.links.push(rep::LineageLink {
                    kind: rep::LinkKind::Reidentified,
                    from,
                    to: cl.lineage,
                    day_idx: d,
                });
            }
        }
        input.days.push(summary);
        for t in &day.transitions {
            let kind = match t.kind.as_str() {
                "split" => rep::LinkKind::Split,
                "absorbed" => rep::LinkKind::Absorbed,
                "survived" => rep::LinkKind::Survived,
                _ => continue,
            };
            for &to in t.into.iter().filter(|&&to| to != t.lineage) {
                input.links.push(rep::LineageLink { kind, from: t.lineage, to, day_idx: d });
            }
        }
    }
    // Links may name a lineage of a day whose result is missing: keep only
    // links between known lineages.
    input.links.retain(|l| lineages.contains_key(&l.from) && lineages.contains_key(&l.to));
    input.lineages = lineages.into_values().collect();
    input
}

/// How a cluster appears among the report's novel clusters.
enum Novelty {
    /// Not novel, or a candidate that a later day rejected: not listed.
    Unlisted,
    /// Listed with this status (`None`: final at once) and confirmation day.
    Listed(Option<rep::NoveltyStatus>, Option<usize>),
}

/// The report's view of a cluster's novel flag: final when the run does not
/// confirm novelty or made it final at once; else confirmed or rejected by
/// a later day's decision, or still pending when no later day of the run
/// has decided it. A candidate whose group went silent on a later day and
/// has not come back is left out, as a rejected one is: it waits
/// (`tracking.novelty_wait_inactive`), and clusters of one-off senders,
/// which never come back, would otherwise fill the lists for a week. `d`
/// is the index of the cluster's day in `days`.
fn novelty(
    decisions: &NoveltyOutcomes,
    days: &[DayResult],
    d: usize,
    cl: &darkdca::result::ClusterResult,
) -> Novelty {
    if !cl.novel {
        return Novelty::Unlisted;
    }
    if cl.novelty_status.is_none() {
        return Novelty::Listed(None, None);
    }
    match decisions.get(cl.lineage, days[d].batch_id) {
        Some((on, true)) if on > d => {
            Novelty::Listed(Some(rep::NoveltyStatus::Confirmed), Some(on))
        }
        Some((on, false)) if on > d => Novelty::Unlisted,
        _ if days[d + 1..].iter().any(|later| later.went_inactive(cl.lineage)) => Novelty::Unlisted,
        _ => Novelty::Listed(Some(rep::NoveltyStatus::Pending), None),
    }
}

/// The figures of one day, `n_novel` left at 0 for the caller to count the
/// novel clusters it lists; `n_novel_rejected` counts the candidates of
/// earlier days rejected on it.
fn day_summary(day: &DayResult) -> rep::DaySummary {
    let s = &day.stats;
    let mut transitions = rep::TransitionCounts::default();
    for t in &day.transitions {
        // Unknown words are not produced by the facade; ignore them rather
        // than fail the whole report.
        let _ = transitions.record(&t.kind);
    }
    rep::DaySummary {
        day: day.day.clone(),
        n_packets: s.n_packets,
        n_senders: s.n_senders as u64,
        n_active: s.n_active as u64,
        n_clusters: s.n_clusters as u64,
        n_noise: s.n_noise as u64,
        transitions,
        n_emerged: day.emerged.len() as u64,
        n_novel: 0,
        n_novel_rejected: day.novelty_decisions.iter().filter(|n| !n.confirmed).count() as u64,
        silhouettes: day.clusters.iter().map(|c| c.silhouette).collect(),
        cluster_sizes: day.clusters.iter().map(|c| c.size as u64).collect(),
    }
}

fn novel_cluster(
    days: &[DayResult],
    d: usize,
    cl: &darkdca::result::ClusterResult,
) -> rep::NovelCluster {
    let p = &cl.profile;
    let counts = |v: &[darkdca::profile::Count]| {
        v.iter().map(|c| rep::Count::new(c.key.clone(), c.count)).collect()
    };
    rep::NovelCluster {
        lineage_id: cl.lineage,
        day_idx: d,
        size: cl.size as u64,
        silhouette: cl.silhouette,
        majority_label: Some(cl.majority_label.clone()),
        status: None,
        confirmed_on: None,
        cut: (cl.n_fringe > 0).then_some(rep::CoreCut {
            n_fringe: cl.n_fringe as u64,
            silhouette_whole: cl.silhouette_whole,
        }),
        profile: rep::Profile {
            n_packets: p.packets,
            mirai_share: p.mirai_share.clamp(0.0, 1.0),
            top_services: counts(&p.top_services),
            top_protocols: counts(&p.top_protocols),
            top_prefixes24: counts(&p.top_slash24),
            top_prefixes16: counts(&p.top_slash16),
            activity: p.activity.clone(),
        },
        raster: raster(days, d, &cl.members),
    }
}

/// Packets of each member on the days up to `d` (at most [`RASTER_DAYS`]
/// before it); zero on days it was not active.
fn raster(days: &[DayResult], d: usize, members: &[String]) -> rep::Raster {
    let first = d.saturating_sub(RASTER_DAYS);
    let window = &days[first..=d];
    let per_day: Vec<HashMap<&str, u64>> = window
        .iter()
        .map(|day| day.senders.iter().map(|s| (s.address.as_str(), s.packets)).collect())
        .collect();
    rep::Raster {
        columns: window.iter().map(|day| day.day.clone()).collect(),
        senders: members.to_vec(),
        n_packets: members
            .iter()
            .map(|m| per_day.iter().map(|p| p.get(m.as_str()).copied().unwrap_or(0)).collect())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use darkdca::state::RunMeta;

    use super::*;
    use crate::testdays;

    fn meta() -> RunMeta {
        serde_json::from_value(serde_json::json!({
            "format_version": darkdca::state::STATE_FORMAT_VERSION, "tool_version": "darkdca test",
            "preset": "recommended", "config_hash": "0",
            "config": serde_json::to_value(darkdca::Config::default()).unwrap(),
            "generation": 3, "days": []
        }))
        .unwrap()
    }

    fn novel_on(input: &rep::ReportInput, id: u64) -> Option<usize> {
        input.lineages.iter().find(|l| l.id == id).unwrap().novel_on
    }

    #[test]
    fn confirmed_candidates_are_listed_rejected_ones_are_not() {
        let input = build_input(&meta(), &testdays::run(), "t".into());
        let listed: Vec<_> = input
            .novel_clusters
            .iter()
            .map(|c| (c.lineage_id, c.day_idx, c.status, c.confirmed_on))
            .collect();
        assert_eq!(
            listed,
            [
                (12, 0, Some(rep::NoveltyStatus::Confirmed), Some(1)),
                (16, 2, Some(rep::NoveltyStatus::Pending), None),
            ]
        );
        // Lineage 12 was born novel on day 0; rejected 14 and 15 were not.
        assert_eq!([12, 14, 15, 16].map(|id| novel_on(&input, id)), [Some(0), None, None, Some(2)]);
        // Each day counts what it lists, and the rejections on the day they
        // were decided.
        let counts: Vec<_> = input.days.iter().map(|d| (d.n_novel, d.n_novel_rejected)).collect();
        assert_eq!(counts, [(1, 0), (0, 1), (1, 1)]);
        let html = rep::render_html(&input).unwrap();
        assert!(html.contains("✓ confirmed on 2026-01-10"));
        assert!(html.contains("? awaiting confirmation"));
    }

    #[test]
    fn without_confirmation_every_flag_is_final() {
        let input = build_input(&meta(), &testdays::run_without_confirmation(), "t".into());
        let listed: Vec<_> =
            input.novel_clusters.iter().map(|c| (c.lineage_id, c.status)).collect();
        assert_eq!(listed, [(12, None), (14, None), (15, None), (16, None)]);
        let counts: Vec<_> = input.days.iter().map(|d| (d.n_novel, d.n_novel_rejected)).collect();
        assert_eq!(counts, [(2, 0), (1, 0), (1, 0)]);
        assert_eq!(novel_on(&input, 14), Some(0));
    }

    #[test]
    fn a_candidate_waiting_for_its_silent_group_is_not_listed_until_it_returns() {
        // Lineage 14 went inactive on day 1; the run waits instead of
        // rejecting it.
        let mut days = testdays::run();
        days[1].novelty_decisions.retain(|n| n.lineage != 14);
        let listed = |days: &[DayResult]| -> Vec<_> {
            let input = build_input(&meta(), days, "t".into());
            input.novel_clusters.iter().map(|c| (c.lineage_id, c.status, c.confirmed_on)).collect()
        };
        let pending = Some(rep::NoveltyStatus::Pending);
        let confirmed = Some(rep::NoveltyStatus::Confirmed);
        assert_eq!(listed(&days), [(12, confirmed, Some(1)), (16, pending, None)]);
        // Its group is back on day 2: confirmed there.
        let mut back = days[1].novelty_decisions[0].clone();
        (back.lineage, back.flagged_day, back.flagged_batch_id) =
            (14, days[0].day.clone(), days[0].batch_id);
        back.transition = "returned".into();
        days[2].novelty_decisions.push(back);
        assert_eq!(
            listed(&days),
            [(12, confirmed, Some(1)), (14, confirmed, Some(2)), (16, pending, None)]
        );
    }

    #[test]
    fn a_candidate_decided_by_no_later_day_stays_pending() {
        // The deciding day is not in the run (its result was not loaded):
        // the candidates of day 0 are still pending.
        let days = &testdays::run()[..1];
        let input = build_input(&meta(), days, "t".into());
        assert!(
            input
                .novel_clusters
                .iter()
                .all(|c| c.status == Some(rep::NoveltyStatus::Pending) && c.confirmed_on.is_none())
        );
        assert_eq!(input.days[0].n_novel, 2);
    }
}
