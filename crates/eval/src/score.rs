//! The scoring rules: ARI per day, fates recovered, novelty precision and
//! recall. The crate documentation states each rule; this module applies
//! them.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use darkdca_sim::{FateEvent, GroupId, Truth};

use crate::error::{Error, Result};
use crate::observed::RunDay;
use crate::scores::{
    Check, DayScores, Expected, FateOutcome, Found, NewGroupOutcome, NoveltyFlag, Scores, Verdict,
};

/// Parameters of the scoring.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Params {
    /// A sender is active on a day when it sends more than this many
    /// packets (the truth's own rule). Default 5, the paper's filter.
    pub min_packets: u32,
    /// A new group counts towards novelty recall only when at least this
    /// many of its members are active on its first day: smaller groups
    /// cannot form a cluster at the paper's `min_cluster_size`. Default 10.
    pub min_group_size: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self { min_packets: darkdca_sim::ACTIVE_MIN_PACKETS, min_group_size: 10 }
    }
}

impl Params {
    /// Checks the parameters.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] when `min_group_size` is 0.
    pub fn check(&self) -> Result<()> {
        if self.min_group_size == 0 {
            return Err(Error::Params {
                name: "min_group_size",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// What a sender is in the truth: a member of a planted group, or noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Class {
    Noise,
    Planted(GroupId),
}

/// One day of truth and of the run, cross-indexed.
struct DayView<'a> {
    truth: &'a Truth,
    run: &'a RunDay,
    /// Truth-active senders and their group, by address.
    active: Vec<(Ipv4Addr, Option<GroupId>)>,
    /// Cluster index of each clustered sender.
    cluster_of: HashMap<Ipv4Addr, usize>,
    /// Each cluster's most common class among its truth-active members and
    /// that class's share of them; `None` when it has no such member.
    plurality: Vec<Option<(Class, f64)>>,
    /// The cluster a planted group is matched to (mutual best match).
    matched: HashMap<GroupId, usize>,
    /// Active members of each planted group.
    group_size: HashMap<GroupId, usize>,
}

impl<'a> DayView<'a> {
    fn new(truth: &'a Truth, run: &'a RunDay, params: &Params) -> Self {
        let mut active: Vec<(Ipv4Addr, Option<GroupId>)> = truth
            .senders
            .iter()
            .filter(|s| s.packets > params.min_packets)
            .map(|s| (s.addr, s.group))
            .collect();
        active.sort_unstable_by_key(|&(a, _)| a);

        // A member listed in two clusters keeps the first (the facade never
        // does this; the rule only keeps the view well defined).
        let mut cluster_of = HashMap::new();
        for (k, c) in run.clusters.iter().enumerate() {
            for &m in &c.members {
                cluster_of.entry(m).or_insert(k);
            }
        }

        // Class counts per cluster, and cluster counts per group.
        let mut per_cluster: Vec<BTreeMap<Class, usize>> =
            vec![BTreeMap::new(); run.clusters.len()];
        let mut per_group: BTreeMap<GroupId, BTreeMap<usize, usize>> = BTreeMap::new();
        let mut group_size: HashMap<GroupId, usize> = HashMap::new();
        for &(addr, group) in &active {
            if let Some(g) = group {
                *group_size.entry(g).or_default() += 1;
            }
            let Some(&k) = cluster_of.get(&addr) else { continue };
            let class = group.map_or(Class::Noise, Class::Planted);
            *per_cluster[k].entry(class).or_default() += 1;
            if let Some(g) = group {
                *per_group.entry(g).or_default().entry(k).or_default() += 1;
            }
        }

        // Largest count wins; ties go to the smallest class (noise first),
        // then for groups to the smallest cluster index.
        let plurality: Vec<Option<(Class, f64)>> = per_cluster
            .iter()
            .map(|counts| {
                let total: usize = counts.values().sum();
                let best =
                    counts.iter().fold(None::<(Class, usize)>, |best, (&c, &n)| match best {
                        Some((_, m)) if m >= n => best,
                        _ => Some((c, n)),
                    });
                best.map(|(c, n)| (c, n as f64 / total as f64))
            })
            .collect();
        let matched = per_group
            .iter()
            .filter_map(|(&g, counts)| {
                let (&k, _) =
                    counts.iter().fold(None::<(&usize, &usize)>, |best, (k, n)| match best {
                        Some((_, m)) if m >= n => best,
                        _ => Some((k, n)),
                    })?;
                (plurality[k].map(|(c, _)| c) == Some(Class::Planted(g))).then_some((g, k))
            })
            .collect();

        Self { truth, run, active, cluster_of, plurality, matched, group_size }
    }

    fn matched_lineage(&self, g: GroupId) -> Option<u64> {
        self.matched.get(&g).map(|&k| self.run.clusters[k].lineage)
    }
}

/// Scores one run against the truth of each day.
///
/// Each truth day is paired with the run day of the same start; run days
/// without truth are ignored. A run of the scenario's first days only (a
/// run still going, or cut short) is scored on those days, as if the
/// scenario ended there: [`Scores::n_scenario_days`] tells.
///
/// # Errors
///
/// [`Error::NoDays`] without truth days, [`Error::MissingDay`] when a truth
/// day has no run day while a later one has (or no truth day has one),
/// [`Error::ForeignRun`] when on some day fewer than half of the run's
/// senders are senders of the truth day, [`Error::Params`] for invalid
/// parameters.
pub fn evaluate_run(run: &[RunDay], truths: &[Truth], params: &Params) -> Result<Scores> {
    params.check()?;
    if truths.is_empty() {
        return Err(Error::NoDays);
    }
    let by_start: HashMap<i64, &RunDay> = run.iter().map(|d| (d.start_unix, d)).collect();
    let start_of = |t: &Truth| t.start_ns.div_euclid(1_000_000_000);
    let pairs: Vec<(&Truth, Option<&RunDay>)> =
        truths.iter().map(|t| (t, by_start.get(&start_of(t)).copied())).collect();
    let scored: Vec<(&Truth, &RunDay)> = pairs.iter().map_while(|&(t, r)| Some((t, r?))).collect();
    let n_scored = scored.len();
    if n_scored == 0 || pairs[n_scored..].iter().any(|(_, r)| r.is_some()) {
        let day_of = |(t, _): &(&Truth, _)| t.day;
        let t = truths.get(n_scored).unwrap_or(&truths[0]);
        return Err(Error::MissingDay {
            day: t.day,
            start_unix: start_of(t),
            run_days: pairs.iter().filter(|(_, r)| r.is_some()).map(day_of).collect(),
            scenario_days: pairs.iter().map(day_of).collect(),
        });
    }
    let truths = &truths[..n_scored];
    let mut views = Vec::with_capacity(truths.len());
    for (t, r) in scored {
        check_same_senders(t, r)?;
        views.push(DayView::new(t, r, params));
    }

    // Day on which each new group first sends, and the new groups flagged
    // so far (on time or late).
    let new_on: HashMap<GroupId, u32> = truths
        .iter()
        .flat_map(|t| t.events.iter().flat_map(|e| &e.emerged).map(move |em| (em, t.day)))
        .filter(|(em, _)| em.novelty)
        .map(|(em, day)| (em.group, day))
        .collect();
    let mut flagged: Vec<GroupId> = Vec::new();

    let mut days = Vec::with_capacity(views.len());
    let mut fates = Vec::new();
    let mut flags = Vec::new();
    let mut new_groups = Vec::new();
    for (i, v) in views.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| &views[p]).filter(|p| p.truth.day + 1 == v.truth.day);
        let (ari, ari_noise_label, ari_groups) = aris(v);
        let day_fates: Vec<FateOutcome> = v.truth.events.iter().map(|e| fate(e, prev, v)).collect();
        let (day_flags, day_new) = novelty(v, params, &new_on, &mut flagged);
        days.push(DayScores {
            day: v.truth.day,
            n_active: v.active.len(),
            n_group_members: v.active.iter().filter(|(_, g)| g.is_some()).count(),
            n_groups: v.group_size.len(),
            n_clusters: v.run.clusters.len(),
            n_clustered: v.active.iter().filter(|(a, _)| v.cluster_of.contains_key(a)).count(),
            n_matched: v.matched.len(),
            ari,
            ari_noise_label,
            ari_groups,
            n_fates: day_fates.len(),
            n_fates_recovered: day_fates.iter().filter(|f| f.recovered).count(),
            n_flagged: day_flags.len(),
            n_true_novel: day_flags.iter().filter(|f| f.verdict == Verdict::New).count(),
            n_late: day_flags.iter().filter(|f| f.verdict == Verdict::Late).count(),
            n_new_groups: day_new.iter().filter(|n| n.counts()).count(),
            n_new_found: day_new.iter().filter(|n| n.counts() && n.found).count(),
        });
        fates.extend(day_fates);
        flags.extend(day_flags);
        new_groups.extend(day_new);
    }
    let scenario = truths[0].scenario.clone();
    let mut scores = Scores::new(scenario, params.clone(), days, fates, flags, new_groups);
    scores.n_scenario_days = pairs.len();
    Ok(scores)
}

/// Checks that a run day was made on the truth day's capture: at least
/// half of its senders (every sender when the run lists them, else the
/// clusters' members) are senders of the truth day. A run of the capture
/// reports only senders of it, whatever its filters; a run of another
/// scenario's or another telescope's capture shares (next to) none.
fn check_same_senders(t: &Truth, r: &RunDay) -> Result<()> {
    let mut run: Vec<Ipv4Addr> = if r.senders.is_empty() {
        r.clusters.iter().flat_map(|c| c.members.iter().copied()).collect()
    } else {
        r.senders.clone()
    };
    run.sort_unstable();
    run.dedup();
    let mut truth: Vec<Ipv4Addr> = t.senders.iter().map(|s| s.addr).collect();
    truth.sort_unstable();
    let n_found = run.iter().filter(|a| truth.binary_search(a).is_ok()).count();
    if 2 * n_found >= run.len() {
        return Ok(());
    }
    Err(Error::ForeignRun {
        day: t.day,
        start_unix: t.start_ns.div_euclid(1_000_000_000),
        n_run: run.len(),
        n_found,
        n_truth: truth.len(),
    })
}

/// The three ARIs of a day; `None` when there is nothing to compare.
fn aris(v: &DayView<'_>) -> (Option<f64>, Option<f64>, Option<f64>) {
    #[derive(PartialEq, Eq, Hash)]
    enum L {
        Group(u32),
        Cluster(usize),
        Noise,
        Single(usize),
    }
    let truth_single = |i: usize, g: Option<GroupId>| g.map_or(L::Single(i), |g| L::Group(g.0));
    let truth_noise = |g: Option<GroupId>| g.map_or(L::Noise, |g| L::Group(g.0));
    let run_single =
        |i: usize, a: &Ipv4Addr| v.cluster_of.get(a).map_or(L::Single(i), |&k| L::Cluster(k));
    let run_noise = |a: &Ipv4Addr| v.cluster_of.get(a).map_or(L::Noise, |&k| L::Cluster(k));

    let ari = |t: Vec<L>, r: Vec<L>| darkdca_metrics::adjusted_rand_index(&t, &r).ok();
    let all = ari(
        v.active.iter().enumerate().map(|(i, &(_, g))| truth_single(i, g)).collect(),
        v.active.iter().enumerate().map(|(i, (a, _))| run_single(i, a)).collect(),
    );
    let noise_label = ari(
        v.active.iter().map(|&(_, g)| truth_noise(g)).collect(),
        v.active.iter().map(|(a, _)| run_noise(a)).collect(),
    );
    let members: Vec<(usize, &(Ipv4Addr, Option<GroupId>))> =
        v.active.iter().enumerate().filter(|(_, (_, g))| g.is_some()).collect();
    let groups = ari(
        members.iter().map(|&(i, &(_, g))| truth_single(i, g)).collect(),
        members.iter().map(|&(i, (a, _))| run_single(i, a)).collect(),
    );
    (all, noise_label, groups)
}

/// Whether the run recovered one scripted event.
fn fate(e: &FateEvent, prev: Option<&DayView<'_>>, v: &DayView<'_>) -> FateOutcome {
    let mut checks = Vec::new();
    for t in &e.transitions {
        let expected = Expected::Transition(t.transition);
        let found = match prev.and_then(|p| p.matched_lineage(t.group)) {
            None => Found::Unmatched,
            Some(l) => v.run.transition_of(l).map_or(Found::NoTransition, Found::Transition),
        };
        let ok = found == Found::Transition(t.transition);
        checks.push(Check { group: t.group, expected, found, ok });
    }
    for em in &e.emerged {
        let expected = Expected::Emerged { novelty: em.novelty };
        let found = match v.matched.get(&em.group) {
            None => Found::Unmatched,
            Some(&k) => {
                let c = &v.run.clusters[k];
                if c.emerged { Found::Emerged { novel: c.novel } } else { Found::NotEmerged }
            }
        };
        let ok = found == Found::Emerged { novel: em.novelty };
        checks.push(Check { group: em.group, expected, found, ok });
    }
    let recovered = checks.iter().all(|c| c.ok);
    FateOutcome {
        day: e.day,
        kind: e.kind,
        from: e.from.clone(),
        to: e.to.clone(),
        checks,
        recovered,
    }
}

/// The novelty flags of a day with their verdicts, and the day's new
/// groups with whether a flag found them. `new_on` gives the first day of
/// every new group of the run; `flagged` collects the new groups flagged so
/// far.
fn novelty(
    v: &DayView<'_>,
    params: &Params,
    new_on: &HashMap<GroupId, u32>,
    flagged: &mut Vec<GroupId>,
) -> (Vec<NoveltyFlag>, Vec<NewGroupOutcome>) {
    let new: Vec<GroupId> = v
        .truth
        .events
        .iter()
        .flat_map(|e| &e.emerged)
        .filter(|em| em.novelty)
        .map(|em| em.group)
        .collect();
    let mut credited: Vec<GroupId> = Vec::new();
    let mut undecided: Vec<GroupId> = Vec::new();
    let mut flags = Vec::new();
    for (k, c) in v.run.clusters.iter().enumerate() {
        if c.novelty_undecided
            && let Some((Class::Planted(g), _)) = v.plurality[k]
        {
            undecided.push(g);
        }
        if !c.novel {
            continue;
        }
        let (majority, share) = match v.plurality[k] {
            Some((Class::Planted(g), s)) => (Some(g), s),
            Some((Class::Noise, s)) => (None, s),
            None => (None, 0.0),
        };
        let late =
            |g: &GroupId| new_on.get(g).is_some_and(|&d| d < v.truth.day) && !flagged.contains(g);
        let verdict = match majority {
            None => Verdict::Noise,
            Some(g) if late(&g) => {
                flagged.push(g);
                Verdict::Late
            }
            Some(g) if !new.contains(&g) => Verdict::Known,
            Some(g) if credited.contains(&g) => Verdict::Duplicate,
            Some(g) => {
                credited.push(g);
                flagged.push(g);
                Verdict::New
            }
        };
        flags.push(NoveltyFlag {
            day: v.truth.day,
            lineage: c.lineage,
            size: c.members.len(),
            silhouette: c.silhouette,
            majority,
            majority_share: share,
            verdict,
        });
    }
    let outcomes = new
        .iter()
        .map(|&g| {
            let n_active = v.group_size.get(&g).copied().unwrap_or(0);
            NewGroupOutcome {
                day: v.truth.day,
                group: g,
                n_active,
                clusterable: n_active >= params.min_group_size,
                found: credited.contains(&g),
                undecided: undecided.contains(&g) && !credited.contains(&g),
            }
        })
        .collect();
    (flags, outcomes)
}

#[cfg(test)]
mod tests {
    use darkdca_sim::{
        ExpectedEmergence, ExpectedTransition, FateKind, SenderTruth, TRUTH_FORMAT, Transition,
    };

    use super::*;
    use crate::observed::RunCluster;
    use crate::scores::{Expected, Found};

    const DAY: i64 = 86_400;

    fn ip(i: u8) -> Ipv4Addr {
        Ipv4Addr::new(192, 0, 2, i)
    }

    /// A truth day from `(sender, group, packets)`.
    fn truth(day: u32, senders: &[(u8, Option<u32>, u32)], events: Vec<FateEvent>) -> Truth {
        Truth {
            format: TRUTH_FORMAT.into(),
            version: darkdca_sim::FORMAT_VERSION,
            scenario: "hand".into(),
            seed: 1,
            day,
            start_ns: i64::from(day) * DAY * 1_000_000_000,
            end_ns: i64::from(day + 1) * DAY * 1_000_000_000,
            telescope: "198.51.100.0/24".parse().unwrap(),
            n_packets: 0,
            n_senders: senders.len() as u32,
            n_active_senders: 0,
            groups: vec![],
            events,
            senders: senders
                .iter()
                .map(|&(a, g, packets)| SenderTruth { addr: ip(a), group: g.map(GroupId), packets })
                .collect(),
        }
    }

    fn cluster(lineage: u64, members: &[u8], emerged: bool, novel: bool) -> RunCluster {
        RunCluster {
            lineage,
            members: members.iter().map(|&i| ip(i)).collect(),
            silhouette: Some(0.5),
            emerged,
            novel,
            novelty_undecided: false,
        }
    }

    fn event(
        day: u32,
        kind: FateKind,
        from: &[(u32, Transition)],
        to: &[(u32, bool)],
    ) -> FateEvent {
        FateEvent {
            day,
            kind,
            from: from.iter().map(|&(g, _)| GroupId(g)).collect(),
            to: to.iter().map(|&(g, _)| GroupId(g)).collect(),
            transitions: from
                .iter()
                .map(|&(g, transition)| ExpectedTransition { group: GroupId(g), transition })
                .collect(),
            emerged: to
                .iter()
                .map(|&(g, novelty)| ExpectedEmergence { group: GroupId(g), novelty })
                .collect(),
        }
    }

    /// Day 0: groups 1 = {1,2,3}, 2 = {4,5}, noise {6,7}; senders 9 (3
    /// packets) is not active. The run finds lineage 10 = {1,2} and
    /// lineage 20 = {3,4,5,9}, and leaves 6 and 7 as noise.
    ///
    /// Day 1: group 1 splits into 4 = {1,2} and 5 = {3,8}; group 2 = {4,5}
    /// survives; group 3 = {11,12,13} appears (16 belongs to it but sends
    /// 3 packets); 14 and 15 are noise. The run: lineage 30 = {1,2}
    /// emerged, 40 = {3,8} emerged and flagged novel, 20 = {4,5} survived,
    /// 50 = {11,12,13,16} novel, 60 = {14,15} novel; transitions 10 split,
    /// 20 absorbed.
    fn two_days() -> (Vec<RunDay>, Vec<Truth>) {
        let g = Some;
        let day0 = truth(
            0,
            &[
                (1, g(1), 9),
                (2, g(1), 9),
                (3, g(1), 9),
                (4, g(2), 9),
                (5, g(2), 9),
                (6, None, 6),
                (7, None, 8),
                (9, g(2), 3),
            ],
            vec![],
        );
        let day1 = truth(
            1,
            &[
                (1, g(4), 9),
                (2, g(4), 9),
                (3, g(5), 9),
                (8, g(5), 9),
                (4, g(2), 9),
                (5, g(2), 9),
                (11, g(3), 9),
                (12, g(3), 9),
                (13, g(3), 9),
                (16, g(3), 3),
                (14, None, 7),
                (15, None, 7),
            ],
            vec![
                event(1, FateKind::Split, &[(1, Transition::Split)], &[(4, false), (5, false)]),
                event(1, FateKind::Survive, &[(2, Transition::Survived)], &[]),
                event(1, FateKind::Appear, &[], &[(3, true)]),
            ],
        );
        let run = vec![
            RunDay {
                start_unix: 0,
                clusters: vec![
                    cluster(10, &[1, 2], false, false),
                    cluster(20, &[3, 4, 5, 9], false, false),
                ],
                transitions: vec![],
                senders: vec![],
            },
            RunDay {
                start_unix: DAY,
                clusters: vec![
                    cluster(30, &[1, 2], true, false),
                    cluster(40, &[3, 8], true, true),
                    cluster(20, &[4, 5], false, false),
                    cluster(50, &[11, 12, 13, 16], true, true),
                    cluster(60, &[14, 15], true, true),
                ],
                transitions: vec![(10, Transition::Split), (20, Transition::Absorbed)],
                senders: vec![],
            },
        ];
        (run, vec![day0, day1])
    }

    fn params() -> Params {
        Params { min_group_size: 3, ..Params::default() }
    }

    #[test]
    fn aris_of_day_zero() {
        let (run, truths) = two_days();
        let s = evaluate_run(&run, &truths, &params()).unwrap();
        let d = &s.days[0];
        // Active: 1..7 (9 has 3 packets). Truth {1,2,3} {4,5} 6 7; run
        // {1,2} {3,4,5} 6 7.
        assert_eq!((d.n_active, d.n_group_members, d.n_clustered), (7, 5, 5));
        // Noise as singletons: pairs together in both: {1,2}, {4,5} = 2;
        // truth pairs 3 + 1 = 4; run pairs 1 + 3 = 4; C(7,2) = 21;
        // expected 4 * 4 / 21 = 16/21; ARI = (2 - 16/21) / (4 - 16/21)
        // = 26/68 = 13/34.
        assert!((d.ari.unwrap() - 13.0 / 34.0).abs() < 1e-12);
        // Noise as a label adds the pair {6,7} on both sides: 3 together,
        // 5 and 5 pairs, expected 25/21; ARI = (3 - 25/21)/(5 - 25/21)
        // = 38/80.
        assert!((d.ari_noise_label.unwrap() - 38.0 / 80.0).abs() < 1e-12);
        // Members 1..5 only: 2 together, 4 and 4 pairs, C(5,2) = 10,
        // expected 1.6; ARI = 0.4 / 2.4 = 1/6.
        assert!((d.ari_groups.unwrap() - 1.0 / 6.0).abs() < 1e-12);
        // Lineage 10's majority is group 1 (2 of 2); lineage 20's is group
        // 2 (2 of 3 active members, 9 is not active). Group 1's best cluster
        // is 10 (2 > 1), group 2's is 20: both matched.
        assert_eq!(d.n_matched, 2);
    }

    #[test]
    fn aris_of_day_one_show_the_noise_cluster() {
        let (run, truths) = two_days();
        let s = evaluate_run(&run, &truths, &params()).unwrap();
        let d = &s.days[1];
        // Active: 11 senders (16 is not). Every group is found exactly; the
        // noise senders 14, 15 are one cluster. Together: 1+1+1+3 = 6;
        // truth pairs 6; run pairs 6 + 1 = 7; C(11,2) = 55; expected
        // 42/55; max 6.5; ARI = (6 - 42/55)/(6.5 - 42/55) = 576/631.
        assert_eq!(d.n_active, 11);
        assert!((d.ari.unwrap() - 576.0 / 631.0).abs() < 1e-12);
        // With noise as a label the noise cluster matches truth noise: 1.
        assert!((d.ari_noise_label.unwrap() - 1.0).abs() < 1e-12);
        // Members only: a perfect match.
        assert!((d.ari_groups.unwrap() - 1.0).abs() < 1e-12);
        // Summary: mean and lowest of the two days.
        let mean = (13.0 / 34.0 + 576.0 / 631.0) / 2.0;
        assert!((s.summary.ari_mean.unwrap() - mean).abs() < 1e-12);
        assert!((s.summary.ari_min.unwrap() - 13.0 / 34.0).abs() < 1e-12);
    }

    #[test]
    fn fates_are_checked_part_by_part() {
        let (run, truths) = two_days();
        let s = evaluate_run(&run, &truths, &params()).unwrap();
        // Split: group 1 -> lineage 10 -> split (ok); group 4 -> lineage 30,
        // emerged, not novel (ok); group 5 -> lineage 40, emerged but
        // flagged novel (miss). Not recovered.
        let split = &s.fates[0];
        assert_eq!(split.checks.len(), 3);
        assert!(split.checks[0].ok && split.checks[1].ok && !split.checks[2].ok);
        assert_eq!(split.checks[2].found, Found::Emerged { novel: true });
        assert!(!split.recovered);
        // Survive: group 2 -> lineage 20 -> absorbed, not survived.
        assert_eq!(s.fates[1].checks[0].found, Found::Transition(Transition::Absorbed));
        assert!(!s.fates[1].recovered);
        // Appear: group 3 -> lineage 50, emerged and novel.
        assert_eq!(s.fates[2].checks[0].expected, Expected::Emerged { novelty: true });
        assert!(s.fates[2].recovered);
        // 1 of 3 events; changes (split, appear): 1 of 2.
        let m = &s.summary;
        assert_eq!(
            (m.n_fates, m.n_fates_recovered, m.n_changes, m.n_changes_recovered),
            (3, 1, 2, 1)
        );
        assert_eq!(m.fates_recovered, Some(1.0 / 3.0));
        let kinds: Vec<_> = m.by_kind.iter().map(|k| (k.kind, k.n, k.n_recovered)).collect();
        assert_eq!(
            kinds,
            [(FateKind::Survive, 1, 0), (FateKind::Split, 1, 0), (FateKind::Appear, 1, 1)]
        );
    }

    #[test]
    fn an_undecided_candidate_leaves_its_group_out_of_recall() {
        let (mut run, truths) = two_days();
        // Lineage 50 (group 3, new) was still waiting for confirmation
        // when the run ended: neither a flag nor a miss.
        let c = run[1].clusters.iter_mut().find(|c| c.lineage == 50).unwrap();
        c.novel = false;
        c.novelty_undecided = true;
        let s = evaluate_run(&run, &truths, &params()).unwrap();
        assert_eq!(s.summary.novelty_recall, None, "no new group counts");
        assert!(s.new_groups.iter().any(|n| n.group == GroupId(3) && n.undecided && !n.found));
        // Without the mark it is a plain miss.
        let c = run[1].clusters.iter_mut().find(|c| c.lineage == 50).unwrap();
        c.novelty_undecided = false;
        let s = evaluate_run(&run, &truths, &params()).unwrap();
        assert_eq!(s.summary.novelty_recall, Some(0.0));
    }

    #[test]
    fn novelty_flags_are_judged_by_majority() {
        let (run, truths) = two_days();
        let s = evaluate_run(&run, &truths, &params()).unwrap();
        // Lineage 40: majority group 5, not new: known. Lineage 50: group 3,
        // new: true positive. Lineage 60: noise.
        let verdicts: Vec<_> = s.flags.iter().map(|f| (f.lineage, f.verdict)).collect();
        assert_eq!(verdicts, [(40, Verdict::Known), (50, Verdict::New), (60, Verdict::Noise)]);
        assert_eq!(s.summary.novelty_precision, Some(1.0 / 3.0));
        // Group 3 has 3 active members (>= 3): clusterable and found.
        assert_eq!(s.summary.novelty_recall, Some(1.0));
        // With min_group_size 4 it no longer counts: no recall.
        let strict = Params { min_group_size: 4, ..Params::default() };
        let s = evaluate_run(&run, &truths, &strict).unwrap();
        assert_eq!(s.summary.novelty_recall, None);
        assert_eq!(s.new_groups[0].n_active, 3);
    }

    #[test]
    fn a_second_flag_of_a_new_group_is_a_duplicate() {
        let (mut run, truths) = two_days();
        // Cut lineage 50 in two novel pieces: {11,12} and {13,16}.
        run[1].clusters[3] = cluster(50, &[11, 12], true, true);
        run[1].clusters.push(cluster(70, &[13, 16], true, true));
        let s = evaluate_run(&run, &truths, &params()).unwrap();
        let verdicts: Vec<_> = s.flags.iter().map(|f| f.verdict).collect();
        assert_eq!(verdicts, [Verdict::Known, Verdict::New, Verdict::Noise, Verdict::Duplicate]);
        // The appear event still holds: group 3's best cluster is 50 (2 > 1).
        assert!(s.fates[2].recovered);
    }

    #[test]
    fn a_new_group_flagged_a_day_late_is_late() {
        let (mut run, mut truths) = two_days();
        // Day 1 no longer flags lineage 50; day 2 flags group 3 as lineage 80.
        run[1].clusters[3].novel = false;
        let g3 = Some(3);
        truths.push(truth(2, &[(11, g3, 9), (12, g3, 9), (13, g3, 9)], vec![]));
        run.push(RunDay {
            start_unix: 2 * DAY,
            clusters: vec![cluster(80, &[11, 12, 13], true, true)],
            transitions: vec![(50, Transition::Survived)],
            senders: vec![],
        });
        let s = evaluate_run(&run, &truths, &params()).unwrap();
        let verdicts: Vec<_> = s.flags.iter().map(|f| (f.day, f.verdict)).collect();
        assert_eq!(verdicts, [(1, Verdict::Known), (1, Verdict::Noise), (2, Verdict::Late)]);
        // Late flags are false positives, and group 3 was missed on day 1.
        assert_eq!((s.summary.n_late, s.summary.novelty_precision), (1, Some(0.0)));
        assert_eq!(s.summary.novelty_recall, Some(0.0));
        // The appear event of day 1 expected a novel emergence: missed too.
        assert_eq!(s.fates[2].checks[0].found, Found::Emerged { novel: false });
    }

    #[test]
    fn a_lump_matches_only_its_majority() {
        let (mut run, truths) = two_days();
        // Day 0: one lump of everything; group 2 is not matched, so its
        // survive event cannot be recovered; group 1 is (3 of 5).
        run[0].clusters = vec![cluster(10, &[1, 2, 3, 4, 5, 6, 7], false, false)];
        let s = evaluate_run(&run, &truths, &params()).unwrap();
        assert_eq!(s.days[0].n_matched, 1);
        assert_eq!(s.fates[1].checks[0].found, Found::Unmatched);
        // Everything in one cluster against three truth classes and two
        // singletons: pairs together 3 + 1 = 4, truth pairs 4, run pairs
        // 21 = C(7,2), expected 4; the ARI is (4 - 4)/(12.5 - 4) = 0.
        assert!(s.days[0].ari.unwrap().abs() < 1e-12);
    }

    #[test]
    fn missing_days_and_bad_params_are_errors() {
        let (run, truths) = two_days();
        // A run that lacks the first day: which days each side has.
        let err = evaluate_run(&run[1..], &truths, &params()).unwrap_err();
        assert!(
            matches!(&err, Error::MissingDay { day: 0, start_unix: 0, run_days, scenario_days }
                if run_days == &[1] && scenario_days == &[0, 1]),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "no pipeline result for truth day 0 (starting at 0 s): the run has day 1 of the \
             scenario's days 0, 1"
        );
        // A run of no day of the scenario.
        let err = evaluate_run(&[], &truths, &params()).unwrap_err();
        assert!(err.to_string().ends_with("the run has no day of the scenario's days 0, 1"));
        assert!(matches!(evaluate_run(&run, &[], &params()), Err(Error::NoDays)));
        let bad = Params { min_group_size: 0, ..Params::default() };
        assert!(matches!(
            evaluate_run(&run, &truths, &bad),
            Err(Error::Params { name: "min_group_size", .. })
        ));
    }

    #[test]
    fn a_run_of_the_first_days_is_scored_on_them() {
        let (run, truths) = two_days();
        let whole = evaluate_run(&run, &truths, &params()).unwrap();
        assert_eq!(whole.n_scenario_days, 2);
        assert_eq!(whole.partial_note(), None);
        let first = evaluate_run(&run[..1], &truths, &params()).unwrap();
        assert_eq!((first.days.len(), first.n_scenario_days), (1, 2));
        // Day 0 scores as in the whole run; day 1's events are left out.
        assert_eq!(first.days[0], whole.days[0]);
        assert_eq!((first.summary.n_fates, first.summary.n_new_groups), (0, 0));
        let text = first.to_string();
        assert!(text.contains("scored days 0 to 0 of 2: the run has no result"), "{text}");
        assert!(!whole.to_string().contains("scored days"));
    }

    #[test]
    fn a_run_of_other_captures_is_refused() {
        let (mut run, truths) = two_days();
        // Day 1 of another scenario: none of its senders is in the truth.
        let other = |c: &RunCluster| RunCluster {
            members: c.members.iter().map(|a| Ipv4Addr::from(u32::from(*a) + 1000)).collect(),
            ..c.clone()
        };
        let foreign: Vec<RunCluster> = run[1].clusters.iter().map(other).collect();
        let saved = std::mem::replace(&mut run[1].clusters, foreign);
        let err = evaluate_run(&run, &truths, &params()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::ForeignRun { day: 1, start_unix: DAY, n_run: 12, n_found: 0, n_truth: 12 }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "none of the run's 12 senders of truth day 1 (starting at 86400 s) is among the \
             scenario's 12 senders of that day"
        );
        // The senders the run lists, when it lists them, decide: half of
        // them in the truth is enough.
        run[1].clusters = saved;
        run[1].senders = vec![ip(1), ip(2), ip(200), ip(201)];
        assert!(evaluate_run(&run, &truths, &params()).is_ok());
        run[1].senders.push(ip(202));
        let err = evaluate_run(&run, &truths, &params()).unwrap_err();
        assert!(err.to_string().starts_with("only 2 of the run's 5 senders of truth day 1"));
    }

    #[test]
    fn markdown_names_the_misses() {
        let (run, truths) = two_days();
        let text = evaluate_run(&run, &truths, &params()).unwrap().to_string();
        assert!(text.contains("| fates recovered | 0.33 (1/3) |"), "{text}");
        assert!(text.contains("day 1 Survive [2] -> []: group 2: expected Transition(Survived), found Transition(Absorbed)"), "{text}");
        assert!(
            text.contains("lineage 60 (2 members, silhouette 0.50): Noise, majority noise (100%)"),
            "{text}"
        );
    }
}
