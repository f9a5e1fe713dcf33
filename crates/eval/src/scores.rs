//! The scores of a run: per day, per scripted fate, per novelty flag, and
//! over the whole run, with a markdown rendering.

use std::fmt;

use darkdca_sim::{FateKind, GroupId, Transition};
use serde::{Deserialize, Serialize};

use crate::score::Params;

/// The scores of one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayScores {
    /// The day, from 0.
    pub day: u32,
    /// Truth-active senders (the universe of the ARIs).
    pub n_active: usize,
    /// Active senders that belong to a planted group.
    pub n_group_members: usize,
    /// Planted groups with an active member.
    pub n_groups: usize,
    /// Clusters the pipeline found.
    pub n_clusters: usize,
    /// Truth-active senders the pipeline put in a cluster.
    pub n_clustered: usize,
    /// Planted groups matched to a cluster (mutual best match).
    pub n_matched: usize,
    /// ARI over all active senders, noise as singletons on both sides (the
    /// headline).
    pub ari: Option<f64>,
    /// ARI over all active senders, noise as one label on both sides.
    pub ari_noise_label: Option<f64>,
    /// ARI over planted-group members only, pipeline noise as singletons.
    pub ari_groups: Option<f64>,
    /// Scripted events whose effect first shows this day.
    pub n_fates: usize,
    /// Those recovered.
    pub n_fates_recovered: usize,
    /// Clusters flagged novel.
    pub n_flagged: usize,
    /// Flags whose majority is a group new this day (first flag per group).
    pub n_true_novel: usize,
    /// Flags that found a new group one or more days late.
    pub n_late: usize,
    /// Clusterable groups new this day (the recall's denominator).
    pub n_new_groups: usize,
    /// Those found by a flag.
    pub n_new_found: usize,
}

/// What the truth expects of one group in one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// The group's cluster of the day before gets this transition.
    Transition(Transition),
    /// The group's cluster of the day is emerged, flagged novel or not.
    Emerged {
        /// Whether it should be flagged novel.
        novelty: bool,
    },
}

/// What the run showed for one group in one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    /// No cluster is matched to the group on the day looked at.
    Unmatched,
    /// The matched cluster got this transition.
    Transition(Transition),
    /// The matched cluster's lineage has no transition record.
    NoTransition,
    /// The matched cluster emerged.
    Emerged {
        /// Whether it was flagged novel.
        novel: bool,
    },
    /// The matched cluster survived from the day before.
    NotEmerged,
}

/// One expectation of an event and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// The planted group.
    pub group: GroupId,
    /// What the truth expects.
    pub expected: Expected,
    /// What the run showed.
    pub found: Found,
    /// Whether they agree.
    pub ok: bool,
}

/// One scripted event and whether the run recovered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FateOutcome {
    /// First day the effect shows.
    pub day: u32,
    /// The fate.
    pub kind: FateKind,
    /// Groups of the day before involved.
    pub from: Vec<GroupId>,
    /// Groups of the day that result.
    pub to: Vec<GroupId>,
    /// Each expectation.
    pub checks: Vec<Check>,
    /// Whether every check passed.
    pub recovered: bool,
}

/// How a novelty flag was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Its majority is a group new this day: a true positive.
    New,
    /// Its majority is a new group another flag of the day already found.
    Duplicate,
    /// Its majority is a group that was new on an earlier day and had not
    /// been flagged: a late detection, counted as a false positive (and the
    /// group as missed on its day), reported apart for diagnosis.
    Late,
    /// Its majority is a group that is not new (a split half, a returning
    /// group, a piece of a known group).
    Known,
    /// Its majority is noise senders.
    Noise,
}

/// One cluster flagged novel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoveltyFlag {
    /// The day.
    pub day: u32,
    /// The cluster's lineage.
    pub lineage: u64,
    /// Its members.
    pub size: usize,
    /// Its mean silhouette, when defined.
    pub silhouette: Option<f64>,
    /// Its most common planted group; `None` when noise senders are.
    pub majority: Option<GroupId>,
    /// That class's share of its truth-active members.
    pub majority_share: f64,
    /// The verdict.
    pub verdict: Verdict,
}

/// One group new on a day and whether a flag found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewGroupOutcome {
    /// The day it first sends.
    pub day: u32,
    /// The group.
    pub group: GroupId,
    /// Its active members that day.
    pub n_active: usize,
    /// Whether it counts towards recall (at least `min_group_size` active).
    pub clusterable: bool,
    /// Whether a novelty flag of the day has it as majority.
    pub found: bool,
    /// Whether its cluster was a novelty candidate still undecided when
    /// the run ended: it then does not count towards recall.
    #[serde(default)]
    pub undecided: bool,
}

impl NewGroupOutcome {
    /// Whether it counts towards novelty recall: clusterable, and not
    /// waiting for a confirmation the run ended before.
    #[must_use]
    pub fn counts(&self) -> bool {
        self.clusterable && !self.undecided
    }
}

/// Fates of one kind over the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindScore {
    /// The fate.
    pub kind: FateKind,
    /// Events of this kind.
    pub n: usize,
    /// Those recovered.
    pub n_recovered: usize,
}

/// The scores over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Mean of the daily headline ARIs (noise as singletons).
    pub ari_mean: Option<f64>,
    /// Lowest daily headline ARI.
    pub ari_min: Option<f64>,
    /// Mean of the daily ARIs with noise as one label.
    pub ari_noise_label_mean: Option<f64>,
    /// Mean of the daily ARIs over planted-group members.
    pub ari_groups_mean: Option<f64>,
    /// Scripted events (every kind, `survive` included).
    pub n_fates: usize,
    /// Those recovered.
    pub n_fates_recovered: usize,
    /// Share recovered; `None` without events.
    pub fates_recovered: Option<f64>,
    /// Events other than `survive` (the scripted changes).
    pub n_changes: usize,
    /// Those recovered.
    pub n_changes_recovered: usize,
    /// Share of changes recovered.
    pub changes_recovered: Option<f64>,
    /// Per kind, in a fixed order, kinds with events only.
    pub by_kind: Vec<KindScore>,
    /// Clusters flagged novel (all days).
    pub n_flagged: usize,
    /// True positives among them.
    pub n_true_novel: usize,
    /// Late detections among them (false positives, see [`Verdict::Late`]).
    pub n_late: usize,
    /// `n_true_novel / n_flagged`; `None` without flags.
    pub novelty_precision: Option<f64>,
    /// Clusterable new groups.
    pub n_new_groups: usize,
    /// Those found.
    pub n_new_found: usize,
    /// `n_new_found / n_new_groups`; `None` without new groups.
    pub novelty_recall: Option<f64>,
}

/// The scores of a run against the truth, per day and overall, with the
/// detail behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// The scenario's name, from the truth.
    pub scenario: String,
    /// Days of the scenario. More than the days scored (`days`) when the
    /// run covers only the scenario's first days: those are scored as if
    /// the scenario ended there.
    #[serde(default)]
    pub n_scenario_days: usize,
    /// The scoring parameters.
    pub params: Params,
    /// Over the run.
    pub summary: Summary,
    /// Per day, in day order.
    pub days: Vec<DayScores>,
    /// Every scripted event.
    pub fates: Vec<FateOutcome>,
    /// Every novelty flag.
    pub flags: Vec<NoveltyFlag>,
    /// Every new group.
    pub new_groups: Vec<NewGroupOutcome>,
}

const KINDS: [FateKind; 9] = [
    FateKind::Survive,
    FateKind::Split,
    FateKind::Merge,
    FateKind::Dissolve,
    FateKind::Silence,
    FateKind::Return,
    FateKind::ChangePorts,
    FateKind::Appear,
    FateKind::Fade,
];

fn share(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

fn mean(xs: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = xs.flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

impl Scores {
    pub(crate) fn new(
        scenario: String,
        params: Params,
        days: Vec<DayScores>,
        fates: Vec<FateOutcome>,
        flags: Vec<NoveltyFlag>,
        new_groups: Vec<NewGroupOutcome>,
    ) -> Self {
        let count = |f: &dyn Fn(&FateOutcome) -> bool| fates.iter().filter(|x| f(x)).count();
        let n_fates = fates.len();
        let n_fates_recovered = count(&|f| f.recovered);
        let n_changes = count(&|f| f.kind != FateKind::Survive);
        let n_changes_recovered = count(&|f| f.kind != FateKind::Survive && f.recovered);
        let by_kind = KINDS
            .iter()
            .map(|&kind| KindScore {
                kind,
                n: count(&|f| f.kind == kind),
                n_recovered: count(&|f| f.kind == kind && f.recovered),
            })
            .filter(|k| k.n > 0)
            .collect();
        let n_flagged = flags.len();
        let n_true_novel = flags.iter().filter(|f| f.verdict == Verdict::New).count();
        let n_late = flags.iter().filter(|f| f.verdict == Verdict::Late).count();
        let n_new_groups = new_groups.iter().filter(|n| n.counts()).count();
        let n_new_found = new_groups.iter().filter(|n| n.counts() && n.found).count();
        let summary = Summary {
            ari_mean: mean(days.iter().map(|d| d.ari)),
            ari_min: days.iter().filter_map(|d| d.ari).reduce(f64::min),
            ari_noise_label_mean: mean(days.iter().map(|d| d.ari_noise_label)),
            ari_groups_mean: mean(days.iter().map(|d| d.ari_groups)),
            n_fates,
            n_fates_recovered,
            fates_recovered: share(n_fates_recovered, n_fates),
            n_changes,
            n_changes_recovered,
            changes_recovered: share(n_changes_recovered, n_changes),
            by_kind,
            n_flagged,
            n_true_novel,
            n_late,
            novelty_precision: share(n_true_novel, n_flagged),
            n_new_groups,
            n_new_found,
            novelty_recall: share(n_new_found, n_new_groups),
        };
        let n_scenario_days = days.len();
        Self { scenario, n_scenario_days, params, summary, days, fates, flags, new_groups }
    }

    /// When the run covers only the scenario's first days, which were
    /// scored: `scored days 0 to 1 of 6 (...)`; `None` for a whole run.
    #[must_use]
    pub fn partial_note(&self) -> Option<String> {
        let (first, last) = (self.days.first()?, self.days.last()?);
        (self.days.len() < self.n_scenario_days).then(|| {
            format!(
                "scored days {} to {} of {}: the run has no result for the scenario's later days, \
                 which are left out",
                first.day, last.day, self.n_scenario_days
            )
        })
    }

    /// One markdown table row of the summary, for comparing configurations:
    /// `| label | ARI mean | ARI min | ARI groups | fates | changes |
    /// precision | recall |`.
    #[must_use]
    pub fn summary_row(&self, label: &str) -> String {
        let s = &self.summary;
        format!(
            "| {label} | {} | {} | {} | {} | {} | {} | {} |",
            num(s.ari_mean),
            num(s.ari_min),
            num(s.ari_groups_mean),
            ratio(s.n_fates_recovered, s.n_fates),
            ratio(s.n_changes_recovered, s.n_changes),
            ratio(s.n_true_novel, s.n_flagged),
            ratio(s.n_new_found, s.n_new_groups),
        )
    }

    /// The header of [`Scores::summary_row`] (two lines).
    #[must_use]
    pub fn summary_header() -> &'static str {
        "| config | ARI mean | ARI min | ARI groups | fates | changes | novelty precision | novelty recall |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |"
    }
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.3}"))
}

fn ratio(n: usize, d: usize) -> String {
    match share(n, d) {
        Some(s) => format!("{s:.2} ({n}/{d})"),
        None => "n/a (0/0)".to_owned(),
    }
}

fn group_list(gs: &[GroupId]) -> String {
    gs.iter().map(|g| g.0.to_string()).collect::<Vec<_>>().join(",")
}

impl fmt::Display for Scores {
    /// Markdown: the summary, the per-day table, the per-kind table, then
    /// the fates missed and the false novelty flags.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        writeln!(f, "## Scores of scenario `{}`\n", self.scenario)?;
        if let Some(note) = self.partial_note() {
            writeln!(f, "{note}\n")?;
        }
        writeln!(f, "| score | value |\n| --- | --- |")?;
        writeln!(f, "| ARI (mean of days, noise as singletons) | {} |", num(s.ari_mean))?;
        writeln!(f, "| ARI (lowest day) | {} |", num(s.ari_min))?;
        writeln!(f, "| ARI (noise as one label) | {} |", num(s.ari_noise_label_mean))?;
        writeln!(f, "| ARI (planted members only) | {} |", num(s.ari_groups_mean))?;
        writeln!(f, "| fates recovered | {} |", ratio(s.n_fates_recovered, s.n_fates))?;
        writeln!(
            f,
            "| changes recovered (fates other than survive) | {} |",
            ratio(s.n_changes_recovered, s.n_changes)
        )?;
        writeln!(f, "| novelty precision | {} |", ratio(s.n_true_novel, s.n_flagged))?;
        writeln!(f, "| novelty recall | {} |", ratio(s.n_new_found, s.n_new_groups))?;
        writeln!(f, "| late novelty flags (counted false) | {} |", s.n_late)?;

        writeln!(
            f,
            "\n| day | active | in groups | groups | clusters | clustered | matched | ARI | ARI noise label | ARI groups | fates | flags true/all | new found/all |"
        )?;
        writeln!(
            f,
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        )?;
        for d in &self.days {
            writeln!(
                f,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}/{} | {}/{} | {}/{} |",
                d.day,
                d.n_active,
                d.n_group_members,
                d.n_groups,
                d.n_clusters,
                d.n_clustered,
                d.n_matched,
                num(d.ari),
                num(d.ari_noise_label),
                num(d.ari_groups),
                d.n_fates_recovered,
                d.n_fates,
                d.n_true_novel,
                d.n_flagged,
                d.n_new_found,
                d.n_new_groups,
            )?;
        }

        writeln!(f, "\n| fate | events | recovered |\n| --- | --- | --- |")?;
        for k in &s.by_kind {
            writeln!(f, "| {:?} | {} | {} |", k.kind, k.n, k.n_recovered)?;
        }

        let missed: Vec<&FateOutcome> = self.fates.iter().filter(|x| !x.recovered).collect();
        if !missed.is_empty() {
            writeln!(f, "\nFates missed:\n")?;
            for m in missed {
                let why: Vec<String> = m
                    .checks
                    .iter()
                    .filter(|c| !c.ok)
                    .map(|c| {
                        format!(
                            "group {}: expected {:?}, found {:?}",
                            c.group.0, c.expected, c.found
                        )
                    })
                    .collect();
                writeln!(
                    f,
                    "- day {} {:?} [{}] -> [{}]: {}",
                    m.day,
                    m.kind,
                    group_list(&m.from),
                    group_list(&m.to),
                    why.join("; ")
                )?;
            }
        }
        let wrong: Vec<&NoveltyFlag> =
            self.flags.iter().filter(|x| x.verdict != Verdict::New).collect();
        if !wrong.is_empty() {
            writeln!(f, "\nFalse novelty flags:\n")?;
            for w in wrong {
                let who =
                    w.majority.map_or_else(|| "noise".to_owned(), |g| format!("group {}", g.0));
                writeln!(
                    f,
                    "- day {} lineage {} ({} members, silhouette {}): {:?}, majority {} ({:.0}%)",
                    w.day,
                    w.lineage,
                    w.size,
                    w.silhouette.map_or_else(|| "n/a".to_owned(), |s| format!("{s:.2}")),
                    w.verdict,
                    who,
                    100.0 * w.majority_share
                )?;
            }
        }
        let lost: Vec<&NewGroupOutcome> =
            self.new_groups.iter().filter(|n| n.counts() && !n.found).collect();
        if !lost.is_empty() {
            writeln!(f, "\nNew groups not flagged:\n")?;
            for n in lost {
                writeln!(f, "- day {} group {} ({} active members)", n.day, n.group.0, n.n_active)?;
            }
        }
        let waiting: Vec<&NewGroupOutcome> =
            self.new_groups.iter().filter(|n| n.clusterable && n.undecided).collect();
        if !waiting.is_empty() {
            writeln!(
                f,
                "\nNew groups flagged but still awaiting confirmation when the run ended \
                 (left out of novelty recall):\n"
            )?;
            for n in waiting {
                writeln!(f, "- day {} group {} ({} active members)", n.day, n.group.0, n.n_active)?;
            }
        }
        Ok(())
    }
}
