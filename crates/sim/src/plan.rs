//! The population and fate model: who sends, in which group, on which
//! services and at what times, day by day; everything but the packets.

use std::collections::HashSet;

use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{Rng, RngExt, SeedableRng};

use crate::error::{Error, Result};
use crate::scenario::{GroupKind, Ipv4Prefix, Population, Scenario};
use crate::truth::{
    ExpectedEmergence, ExpectedTransition, FateEvent, FateKind, GroupId, GroupInfo,
    MATCH_THRESHOLD, Origin, Transition,
};

/// Nanoseconds in a day.
pub(crate) const DAY_NS: i64 = 86_400 * 1_000_000_000;

/// What one packet of a sender looks like, apart from its time, destination
/// address and random fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Probe {
    /// TCP SYN to a port, random sequence number.
    Syn(u16),
    /// TCP SYN to a port whose sequence number is the destination address.
    Mirai(u16),
    /// UDP datagram to a port.
    Udp(u16),
    /// ICMP echo request.
    Echo,
    /// TCP SYN-ACK from a victim's port to a spoofed source port
    /// (backscatter of a SYN flood).
    SynAck(u16, u16),
    /// TCP RST-ACK from a victim's port to a spoofed source port (backscatter).
    Rst(u16, u16),
    /// GRE (backscatter of a GRE flood).
    Gre,
}

impl Probe {
    /// The service the pipeline files this probe under.
    pub(crate) fn service(self) -> String {
        match self {
            Self::Syn(p) | Self::Mirai(p) => format!("tcp/{p}"),
            Self::Udp(p) => format!("udp/{p}"),
            Self::Echo => "icmp".into(),
            // Replies go to the ports the attacker spoofed.
            Self::SynAck(_, to) | Self::Rst(_, to) => format!("tcp/{to}"),
            Self::Gre => "gre".into(),
        }
    }
}

/// A weighted choice of probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProbeMix {
    pub(crate) probes: Vec<Probe>,
    /// Cumulative weights, one per probe; empty for a uniform choice.
    cumulative: Vec<u32>,
}

impl ProbeMix {
    fn uniform(probes: Vec<Probe>) -> Self {
        Self { probes, cumulative: Vec::new() }
    }

    fn weighted(pairs: &[(Probe, u32)]) -> Self {
        let mut acc = 0;
        let cumulative = pairs
            .iter()
            .map(|&(_, w)| {
                acc += w.max(1);
                acc
            })
            .collect();
        Self { probes: pairs.iter().map(|&(p, _)| p).collect(), cumulative }
    }

    pub(crate) fn pick<R: Rng>(&self, rng: &mut R) -> Probe {
        match self.cumulative.last() {
            None => self.probes[rng.random_range(0..self.probes.len())],
            Some(&total) => {
                let x = rng.random_range(0..total);
                let i = self.cumulative.partition_point(|&c| c <= x);
                self.probes[i]
            }
        }
    }

    /// Services, most probable first (ties by first appearance).
    pub(crate) fn services(&self) -> Vec<String> {
        let mut weighted: Vec<(u32, String)> = Vec::new();
        for (i, p) in self.probes.iter().enumerate() {
            let w = match self.cumulative.as_slice() {
                [] => 1,
                c => c[i] - if i == 0 { 0 } else { c[i - 1] },
            };
            let s = p.service();
            match weighted.iter_mut().find(|(_, name)| *name == s) {
                Some(entry) => entry.0 += w,
                None => weighted.push((w, s)),
            }
        }
        weighted.sort_by_key(|w| std::cmp::Reverse(w.0));
        weighted.into_iter().map(|(_, s)| s).collect()
    }
}

/// When a group's bursts happen.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Schedule {
    /// The same offsets into every day (research sweeps).
    Fixed(Vec<i64>),
    /// New random offsets every day.
    Random,
}

/// A group while the scenario is planned.
#[derive(Debug, Clone)]
struct GroupState {
    id: GroupId,
    kind: GroupKind,
    pop: usize,
    members: Vec<u32>,
    mix: ProbeMix,
    schedule: Schedule,
    silent_until: Option<u32>,
}

/// One group on one day.
#[derive(Debug, Clone)]
pub(crate) struct GroupDay {
    pub(crate) id: GroupId,
    pub(crate) kind: GroupKind,
    pub(crate) members: Vec<u32>,
    pub(crate) packets: Vec<u32>,
    pub(crate) mix: ProbeMix,
    /// Bursts as (start, end) offsets into the day, in nanoseconds.
    pub(crate) bursts: Vec<(i64, i64)>,
}

/// The uncoordinated senders of one day.
#[derive(Debug, Clone, Default)]
pub(crate) struct NoiseDay {
    pub(crate) senders: Vec<u32>,
    pub(crate) packets: Vec<u32>,
    /// `probes[probe_start[i]..probe_start[i + 1]]` are sender `i`'s probes.
    pub(crate) probe_start: Vec<u32>,
    pub(crate) probes: Vec<Probe>,
}

impl NoiseDay {
    fn push(&mut self, addr: u32, packets: u32, probes: impl IntoIterator<Item = Probe>) {
        if self.probe_start.is_empty() {
            self.probe_start.push(0);
        }
        self.senders.push(addr);
        self.packets.push(packets);
        self.probes.extend(probes);
        self.probe_start.push(self.probes.len() as u32);
    }

    pub(crate) fn probes_of(&self, i: usize) -> &[Probe] {
        &self.probes[self.probe_start[i] as usize..self.probe_start[i + 1] as usize]
    }
}

/// Everything sent on one day.
#[derive(Debug, Clone)]
pub(crate) struct DayPlan {
    pub(crate) day: u32,
    pub(crate) groups: Vec<GroupDay>,
    pub(crate) noise: NoiseDay,
    pub(crate) events: Vec<FateEvent>,
}

impl DayPlan {
    pub(crate) fn n_packets(&self) -> u64 {
        let g: u64 = self.groups.iter().flat_map(|g| &g.packets).map(|&p| u64::from(p)).sum();
        g + self.noise.packets.iter().map(|&p| u64::from(p)).sum::<u64>()
    }
}

/// The whole scenario, planned.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) scenario: Scenario,
    pub(crate) days: Vec<DayPlan>,
    pub(crate) groups: Vec<GroupInfo>,
    pub(crate) events: Vec<FateEvent>,
}

/// Mixes a seed with a stream tag (SplitMix64's finaliser), so that the plan
/// and each day's packets draw from independent generators.
pub(crate) fn sub_seed(seed: u64, tag: u64) -> u64 {
    let mut z = seed ^ tag.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const PLAN_STREAM: u64 = 0x706c_616e;

impl Plan {
    pub(crate) fn build(scenario: &Scenario) -> Result<Self> {
        scenario.check()?;
        let mut p = Planner::new(scenario);
        for (pi, pop) in scenario.populations.iter().enumerate() {
            for size in p.initial_sizes(pop) {
                p.new_group(pi, size, Origin::Initial, Vec::new(), 0);
            }
        }
        let mut pending = p.schedule_fates();
        let mut days = Vec::with_capacity(scenario.n_days as usize);
        for day in 0..scenario.n_days {
            let events = if day == 0 { Vec::new() } else { p.step(day, &mut pending)? };
            days.push(p.day_plan(day, events));
        }
        if let Some(&(kind, day)) = pending.first() {
            return Err(Error::Unplaceable { kind, day });
        }
        let events = days.iter().flat_map(|d| d.events.iter().cloned()).collect();
        Ok(Self { scenario: scenario.clone(), days, groups: p.infos, events })
    }
}

/// The state carried from day to day while planning.
struct Planner<'a> {
    s: &'a Scenario,
    rng: Xoshiro256PlusPlus,
    book: AddressBook,
    live: Vec<GroupState>,
    infos: Vec<GroupInfo>,
    /// Former members of dissolved groups, still sending now and then.
    lingering: Vec<u32>,
    /// Members of groups dissolved today.
    dissolved_today: Vec<u32>,
}

impl<'a> Planner<'a> {
    fn new(s: &'a Scenario) -> Self {
        Self {
            s,
            rng: Xoshiro256PlusPlus::seed_from_u64(sub_seed(s.seed, PLAN_STREAM)),
            book: AddressBook::new(s.telescope),
            live: Vec::new(),
            infos: Vec::new(),
            lingering: Vec::new(),
            dissolved_today: Vec::new(),
        }
    }

    /// Heavy-tailed sizes summing to the population's `n_senders`, each at
    /// least `min_size`.
    fn initial_sizes(&mut self, pop: &Population) -> Vec<u32> {
        let n = pop.n_groups as usize;
        let weights: Vec<f64> =
            (0..n).map(|_| pareto(&mut self.rng, pop.size_exponent, 1.0)).collect();
        let sum: f64 = weights.iter().sum();
        let total = f64::from(pop.n_senders);
        let mut sizes: Vec<u32> =
            weights.iter().map(|w| ((w / sum * total) as u32).max(pop.min_size)).collect();
        // Move the rounding error onto the largest groups, never below min_size.
        let mut diff = i64::from(pop.n_senders) - sizes.iter().map(|&s| i64::from(s)).sum::<i64>();
        while diff != 0 {
            let big = (0..n).max_by_key(|&i| (sizes[i], std::cmp::Reverse(i))).unwrap_or(0);
            if diff > 0 {
                sizes[big] += diff as u32;
                diff = 0;
            } else {
                let room = i64::from(sizes[big] - pop.min_size);
                let take = room.min(-diff).max(1);
                sizes[big] -= take as u32;
                diff += take;
            }
        }
        sizes
    }

    fn new_group(
        &mut self,
        pop: usize,
        size: u32,
        origin: Origin,
        parents: Vec<GroupId>,
        day: u32,
    ) -> GroupId {
        let kind = self.s.populations[pop].kind;
        let members = match kind {
            GroupKind::ResearchScanner | GroupKind::Backscatter => {
                self.book.blocks(&mut self.rng, size)
            }
            GroupKind::Botnet | GroupKind::TargetedScanner => {
                (0..size).map(|_| self.book.fresh(&mut self.rng)).collect()
            }
        };
        let mix = self.mix_for(pop);
        let schedule = self.schedule_for(pop);
        self.add_group(pop, members, mix, schedule, origin, parents, day)
    }

    #[allow(clippy::too_many_arguments, reason = "every field of a new group")]
    fn add_group(
        &mut self,
        pop: usize,
        members: Vec<u32>,
        mix: ProbeMix,
        schedule: Schedule,
        origin: Origin,
        parents: Vec<GroupId>,
        day: u32,
    ) -> GroupId {
        let id = GroupId(self.infos.len() as u32);
        let kind = self.s.populations[pop].kind;
        self.infos.push(GroupInfo {
            id,
            kind,
            origin,
            parents,
            first_day: day,
            last_day: day,
            novelty: origin == Origin::Appeared && day > 0,
        });
        self.live.push(GroupState { id, kind, pop, members, mix, schedule, silent_until: None });
        id
    }

    fn mix_for(&mut self, pop: usize) -> ProbeMix {
        let p = &self.s.populations[pop];
        let rng = &mut self.rng;
        match p.kind {
            GroupKind::ResearchScanner => research_mix(rng, p.n_ports),
            GroupKind::Botnet => botnet_mix(rng, p.n_ports),
            GroupKind::TargetedScanner => targeted_mix(rng, p.n_ports),
            GroupKind::Backscatter => backscatter_mix(rng, p.n_ports),
        }
    }

    fn schedule_for(&mut self, pop: usize) -> Schedule {
        let p = &self.s.populations[pop];
        if p.kind != GroupKind::ResearchScanner {
            return Schedule::Random;
        }
        let period = DAY_NS / i64::from(p.n_bursts);
        let dur = burst_ns(p);
        let phase = self.rng.random_range(0..(period - dur).max(1));
        Schedule::Fixed((0..i64::from(p.n_bursts)).map(|k| phase + k * period).collect())
    }

    /// The fates to plant, each with the first day it may happen: spread
    /// evenly over days 1..n_days in a seeded random order.
    fn schedule_fates(&mut self) -> Vec<(FateKind, u32)> {
        let f = &self.s.fates;
        let mut kinds = Vec::new();
        for (kind, n) in [
            (FateKind::Split, f.splits),
            (FateKind::Merge, f.merges),
            (FateKind::Dissolve, f.dissolves),
            (FateKind::Silence, f.silences),
            (FateKind::ChangePorts, f.port_changes),
            (FateKind::Appear, f.appearances),
        ] {
            kinds.extend(std::iter::repeat_n(kind, n as usize));
        }
        kinds.shuffle(&mut self.rng);
        let span = u64::from(self.s.n_days.saturating_sub(1));
        let n = kinds.len().max(1) as u64;
        let last_silence = self.s.n_days.saturating_sub(1 + f.silence_days);
        let mut out: Vec<(FateKind, u32)> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| {
                let day = 1 + (i as u64 * span / n) as u32;
                // A silence must end before the last day so that the return shows.
                let day =
                    if kind == FateKind::Silence { day.min(last_silence.max(1)) } else { day };
                (kind, day)
            })
            .collect();
        out.sort_by_key(|&(_, d)| d);
        out
    }

    /// Applies day `day`'s events to the groups; returns the events.
    fn step(&mut self, day: u32, pending: &mut Vec<(FateKind, u32)>) -> Result<Vec<FateEvent>> {
        let mut touched = HashSet::new();
        let mut events = Vec::new();
        self.dissolved_today.clear();

        for g in &mut self.live {
            if g.silent_until == Some(day) {
                g.silent_until = None;
                touched.insert(g.id);
                events.push(event(
                    day,
                    FateKind::Return,
                    vec![],
                    vec![g.id],
                    vec![],
                    vec![(g.id, false)],
                ));
            }
        }

        let mut kept = Vec::new();
        for (kind, first) in pending.drain(..) {
            if first > day {
                kept.push((kind, first));
                continue;
            }
            match self.apply(kind, day, &mut touched)? {
                Some(e) => events.push(e),
                None if day + 1 < self.s.n_days => kept.push((kind, first)),
                None => return Err(Error::Unplaceable { kind, day: first }),
            }
        }
        *pending = kept;

        events.extend(self.evolve(day, &touched));
        Ok(events)
    }

    /// Indices of live groups that sent yesterday and have no event today.
    fn eligible(&self, touched: &HashSet<GroupId>) -> Vec<usize> {
        (0..self.live.len())
            .filter(|&i| self.live[i].silent_until.is_none() && !touched.contains(&self.live[i].id))
            .collect()
    }

    fn apply(
        &mut self,
        kind: FateKind,
        day: u32,
        touched: &mut HashSet<GroupId>,
    ) -> Result<Option<FateEvent>> {
        let e = match kind {
            FateKind::Split => self.split(day, touched),
            FateKind::Merge => self.merge(day, touched),
            FateKind::Dissolve => self.dissolve(day, touched),
            FateKind::Silence => self.silence(day, touched)?,
            FateKind::ChangePorts => self.change_ports(day, touched),
            FateKind::Appear => Some(self.appear(day, touched)),
            FateKind::Survive | FateKind::Return | FateKind::Fade => None,
        };
        Ok(e)
    }

    fn pick(&mut self, candidates: &[usize]) -> Option<usize> {
        if candidates.is_empty() {
            None
        } else {
            Some(candidates[self.rng.random_range(0..candidates.len())])
        }
    }

    fn split(&mut self, day: u32, touched: &mut HashSet<GroupId>) -> Option<FateEvent> {
        let cands: Vec<usize> = self
            .eligible(touched)
            .into_iter()
            .filter(|&i| {
                let g = &self.live[i];
                let min = self.s.populations[g.pop].min_size as usize;
                g.kind != GroupKind::Backscatter && g.members.len() >= 2 * min
            })
            .collect();
        let i = self.pick(&cands)?;
        let mut parent = self.live.swap_remove(i);
        let min = self.s.populations[parent.pop].min_size as usize;
        let n = parent.members.len();
        parent.members.shuffle(&mut self.rng);
        let share = self.rng.random_range(0.4..0.6);
        let cut = ((share * n as f64).round() as usize).clamp(min, n - min);
        let second = parent.members.split_off(cut);
        // The first half keeps the ports but not the timing; the second
        // half changes both, so that the halves stop co-occurring.
        let sched_a = self.schedule_for(parent.pop);
        let a = self.add_group(
            parent.pop,
            parent.members,
            parent.mix,
            sched_a,
            Origin::Split,
            vec![parent.id],
            day,
        );
        let mix_b = self.mix_for(parent.pop);
        let sched_b = self.schedule_for(parent.pop);
        let b =
            self.add_group(parent.pop, second, mix_b, sched_b, Origin::Split, vec![parent.id], day);
        touched.extend([parent.id, a, b]);
        Some(event(
            day,
            FateKind::Split,
            vec![parent.id],
            vec![a, b],
            vec![(parent.id, Transition::Split)],
            vec![(a, false), (b, false)],
        ))
    }

    fn merge(&mut self, day: u32, touched: &mut HashSet<GroupId>) -> Option<FateEvent> {
        let el = self.eligible(touched);
        let mut close = Vec::new();
        let mut any = Vec::new();
        for (x, &i) in el.iter().enumerate() {
            for &j in &el[x + 1..] {
                let (gi, gj) = (&self.live[i], &self.live[j]);
                if gi.kind != gj.kind || gi.kind == GroupKind::Backscatter {
                    continue;
                }
                let (a, b) = (gi.members.len() as f64, gj.members.len() as f64);
                any.push((i, j));
                if a.max(b) / (a + b) < MATCH_THRESHOLD - 0.05 {
                    close.push((i, j));
                }
            }
        }
        let pool = if close.is_empty() { any } else { close };
        if pool.is_empty() {
            return None;
        }
        let (i, j) = pool[self.rng.random_range(0..pool.len())];
        // Remove the higher index first so that the lower one stays valid.
        let gj = self.live.swap_remove(i.max(j));
        let gi = self.live.swap_remove(i.min(j));
        let (big, small) = if gi.members.len() >= gj.members.len() { (gi, gj) } else { (gj, gi) };
        let total = (big.members.len() + small.members.len()) as f64;
        touched.extend([big.id, small.id]);
        if big.members.len() as f64 / total >= MATCH_THRESHOLD {
            // The larger group holds at least τ0 of the union: it survives
            // and the smaller one is absorbed into it.
            let (big_id, small_id) = (big.id, small.id);
            let mut big = big;
            big.members.extend(small.members);
            self.live.push(big);
            return Some(event(
                day,
                FateKind::Merge,
                vec![big_id, small_id],
                vec![big_id],
                vec![(big_id, Transition::Survived), (small_id, Transition::Absorbed)],
                vec![],
            ));
        }
        let mut members = big.members;
        members.extend(small.members);
        let sched = self.schedule_for(big.pop);
        let c = self.add_group(
            big.pop,
            members,
            big.mix,
            sched,
            Origin::Merge,
            vec![big.id, small.id],
            day,
        );
        touched.insert(c);
        Some(event(
            day,
            FateKind::Merge,
            vec![big.id, small.id],
            vec![c],
            vec![(big.id, Transition::Absorbed), (small.id, Transition::Absorbed)],
            vec![(c, false)],
        ))
    }

    fn dissolve(&mut self, day: u32, touched: &mut HashSet<GroupId>) -> Option<FateEvent> {
        let cands = self.eligible(touched);
        let i = self.pick(&cands)?;
        let g = self.live.swap_remove(i);
        touched.insert(g.id);
        self.lingering.extend(&g.members);
        self.dissolved_today.extend(&g.members);
        Some(event(
            day,
            FateKind::Dissolve,
            vec![g.id],
            vec![],
            vec![(g.id, Transition::Disappeared)],
            vec![],
        ))
    }

    fn silence(&mut self, day: u32, touched: &mut HashSet<GroupId>) -> Result<Option<FateEvent>> {
        let back = day + self.s.fates.silence_days;
        if back >= self.s.n_days {
            return Err(Error::Unplaceable { kind: FateKind::Silence, day });
        }
        let cands = self.eligible(touched);
        let Some(i) = self.pick(&cands) else { return Ok(None) };
        let g = &mut self.live[i];
        g.silent_until = Some(back);
        touched.insert(g.id);
        Ok(Some(event(
            day,
            FateKind::Silence,
            vec![g.id],
            vec![],
            vec![(g.id, Transition::Inactive)],
            vec![],
        )))
    }

    fn change_ports(&mut self, day: u32, touched: &mut HashSet<GroupId>) -> Option<FateEvent> {
        let cands = self.eligible(touched);
        let i = self.pick(&cands)?;
        let pop = self.live[i].pop;
        let mut mix = self.mix_for(pop);
        for _ in 0..16 {
            if mix.services() != self.live[i].mix.services() {
                break;
            }
            mix = self.mix_for(pop);
        }
        let g = &mut self.live[i];
        g.mix = mix;
        touched.insert(g.id);
        Some(event(
            day,
            FateKind::ChangePorts,
            vec![g.id],
            vec![g.id],
            vec![(g.id, Transition::Survived)],
            vec![],
        ))
    }

    fn appear(&mut self, day: u32, touched: &mut HashSet<GroupId>) -> FateEvent {
        let pops = &self.s.populations;
        let total: u32 = pops.iter().map(|p| p.n_groups).sum();
        let mut x = self.rng.random_range(0..total.max(1));
        let pop = pops
            .iter()
            .position(|p| {
                let hit = x < p.n_groups;
                x = x.saturating_sub(p.n_groups);
                hit
            })
            .unwrap_or(0);
        let p = &pops[pop];
        let mean = f64::from(p.n_senders) / f64::from(p.n_groups);
        let size = truncated_pareto(
            &mut self.rng,
            p.size_exponent,
            f64::from(p.min_size),
            (2.0 * mean).max(f64::from(p.min_size)),
        );
        let id = self.new_group(pop, size as u32, Origin::Appeared, Vec::new(), day);
        touched.insert(id);
        event(day, FateKind::Appear, vec![], vec![id], vec![], vec![(id, true)])
    }

    /// Day-to-day change of the groups without an event: churn, decay, fade.
    fn evolve(&mut self, day: u32, touched: &HashSet<GroupId>) -> Vec<FateEvent> {
        let mut events = Vec::new();
        let mut i = 0;
        while i < self.live.len() {
            let g = &self.live[i];
            if g.silent_until.is_some() || touched.contains(&g.id) {
                i += 1;
                continue;
            }
            let p = &self.s.populations[g.pop];
            let (churn, decay, min) = (p.churn, p.decay, p.min_size as usize);
            let g = &mut self.live[i];
            if decay > 0.0 {
                g.members.retain(|_| !self.rng.random_bool(decay));
            }
            if churn > 0.0 {
                for m in &mut g.members {
                    if self.rng.random_bool(churn) {
                        *m = self.book.fresh(&mut self.rng);
                    }
                }
            }
            let id = g.id;
            if g.members.len() < min {
                self.live.swap_remove(i);
                events.push(event(
                    day,
                    FateKind::Fade,
                    vec![id],
                    vec![],
                    vec![(id, Transition::Inactive)],
                    vec![],
                ));
                continue;
            }
            events.push(event(
                day,
                FateKind::Survive,
                vec![id],
                vec![id],
                vec![(id, Transition::Survived)],
                vec![],
            ));
            i += 1;
        }
        events.sort_by_key(|e| e.from.first().copied());
        events
    }

    /// Draws the day's packet counts, bursts and noise.
    fn day_plan(&mut self, day: u32, events: Vec<FateEvent>) -> DayPlan {
        let mut groups = Vec::new();
        let mut order: Vec<usize> =
            (0..self.live.len()).filter(|&i| self.live[i].silent_until.is_none()).collect();
        order.sort_by_key(|&i| self.live[i].id);
        for i in order {
            let g = &self.live[i];
            let p = &self.s.populations[g.pop];
            let packets = (0..g.members.len())
                .map(|_| self.rng.random_range(p.min_packets..=p.max_packets))
                .collect();
            let dur = burst_ns(p);
            let starts = match &g.schedule {
                Schedule::Fixed(offsets) => offsets.clone(),
                Schedule::Random => {
                    (0..p.n_bursts).map(|_| self.rng.random_range(0..=DAY_NS - dur)).collect()
                }
            };
            let bursts = starts.into_iter().map(|s| (s, (s + dur).min(DAY_NS))).collect();
            self.infos[g.id.0 as usize].last_day = day;
            groups.push(GroupDay {
                id: g.id,
                kind: g.kind,
                members: g.members.clone(),
                packets,
                mix: g.mix.clone(),
                bursts,
            });
        }
        let noise = self.noise_day();
        DayPlan { day, groups, noise, events }
    }

    fn noise_day(&mut self) -> NoiseDay {
        let n = &self.s.noise;
        let mut day = NoiseDay::default();
        // Members of a group dissolved today all keep sending, actively
        // (so they stay in the scored universe), but as noise: services of
        // their own, at random times, no longer together.
        for addr in std::mem::take(&mut self.dissolved_today) {
            let packets = self.rng.random_range(6..=15);
            let probes = noise_probes(&mut self.rng);
            day.push(addr, packets, probes);
        }
        let dissolved: HashSet<u32> = day.senders.iter().copied().collect();
        let lingering = std::mem::take(&mut self.lingering);
        for &addr in &lingering {
            if !dissolved.contains(&addr) && self.rng.random_bool(n.linger) {
                let packets = noise_packets(&mut self.rng, n.active_share, n.max_packets);
                let probes = noise_probes(&mut self.rng);
                day.push(addr, packets, probes);
            }
        }
        self.lingering = lingering;
        for _ in 0..n.n_senders {
            let addr = self.book.fresh(&mut self.rng);
            let packets = noise_packets(&mut self.rng, n.active_share, n.max_packets);
            let probes = noise_probes(&mut self.rng);
            day.push(addr, packets, probes);
        }
        day
    }
}

fn burst_ns(p: &Population) -> i64 {
    (i64::from(p.burst_minutes) * 60 * 1_000_000_000).min(DAY_NS)
}

fn event(
    day: u32,
    kind: FateKind,
    from: Vec<GroupId>,
    to: Vec<GroupId>,
    transitions: Vec<(GroupId, Transition)>,
    emerged: Vec<(GroupId, bool)>,
) -> FateEvent {
    FateEvent {
        day,
        kind,
        from,
        to,
        transitions: transitions
            .into_iter()
            .map(|(group, transition)| ExpectedTransition { group, transition })
            .collect(),
        emerged: emerged
            .into_iter()
            .map(|(group, novelty)| ExpectedEmergence { group, novelty })
            .collect(),
    }
}

/// A Pareto draw with shape `alpha` and scale `min`.
fn pareto<R: Rng>(rng: &mut R, alpha: f64, min: f64) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    min * u.powf(-1.0 / alpha)
}

/// A Pareto draw with shape `alpha` truncated to `[lo, hi]` (inverse CDF).
fn truncated_pareto<R: Rng>(rng: &mut R, alpha: f64, lo: f64, hi: f64) -> f64 {
    let u: f64 = rng.random();
    let (a, b) = (lo.powf(-alpha), hi.powf(-alpha));
    (a - u * (a - b)).powf(-1.0 / alpha).clamp(lo, hi)
}

/// Packets of a noise sender: 6..=max with probability `active_share`,
/// otherwise 1 to 5, small counts likelier.
fn noise_packets<R: Rng>(rng: &mut R, active_share: f64, max: u32) -> u32 {
    if active_share > 0.0 && rng.random_bool(active_share) {
        rng.random_range(6..=max.max(6))
    } else {
        let u: f64 = rng.random();
        1 + (u * u * 5.0) as u32
    }
}

/// Ports noise and research scanners visit most.
const COMMON_TCP: [u16; 30] = [
    23, 22, 80, 443, 445, 3389, 8080, 2323, 21, 25, 1433, 3306, 5900, 6379, 8443, 8888, 81, 5555,
    9200, 110, 143, 139, 135, 1723, 8000, 8081, 5432, 27017, 2375, 10000,
];
const COMMON_UDP: [u16; 8] = [53, 123, 161, 1900, 5060, 11211, 137, 389];
/// Extra ports of Mirai variants.
const BOTNET_TCP: [u16; 14] =
    [5555, 37215, 52869, 8080, 81, 7547, 60001, 8081, 5358, 2222, 9000, 26, 2223, 4567];
/// Services targeted scanners hammer.
const TARGETED: [Probe; 18] = [
    Probe::Syn(445),
    Probe::Syn(3389),
    Probe::Syn(22),
    Probe::Syn(1433),
    Probe::Syn(3306),
    Probe::Syn(5900),
    Probe::Syn(6379),
    Probe::Syn(9200),
    Probe::Syn(2375),
    Probe::Syn(27017),
    Probe::Syn(5432),
    Probe::Syn(8088),
    Probe::Syn(7001),
    Probe::Udp(5060),
    Probe::Udp(161),
    Probe::Udp(1900),
    Probe::Udp(123),
    Probe::Echo,
];
/// Ports whose services attackers flood (their replies come from these).
const VICTIM_PORTS: [u16; 8] = [80, 443, 8080, 53, 25, 22, 3074, 27015];

fn noise_probes<R: Rng>(rng: &mut R) -> Vec<Probe> {
    let k = rng.random_range(1..=3);
    (0..k)
        .map(|_| match rng.random_range(0..100) {
            0..45 => Probe::Syn(COMMON_TCP[rng.random_range(0..COMMON_TCP.len())]),
            45..70 => Probe::Syn(rng.random_range(1..=u16::MAX)),
            70..85 => Probe::Udp(COMMON_UDP[rng.random_range(0..COMMON_UDP.len())]),
            85..95 => Probe::Echo,
            _ => Probe::Udp(rng.random_range(1..=u16::MAX)),
        })
        .collect()
}

/// `n` distinct ports: a third from the common list, the rest random.
fn research_mix<R: Rng>(rng: &mut R, n: u32) -> ProbeMix {
    let n = n as usize;
    let mut common = COMMON_TCP.to_vec();
    common.shuffle(rng);
    let mut ports: Vec<u16> = common.into_iter().take(n.div_ceil(3)).collect();
    let mut seen: HashSet<u16> = ports.iter().copied().collect();
    while ports.len() < n {
        let p = rng.random_range(1..=u16::MAX);
        if seen.insert(p) {
            ports.push(p);
        }
    }
    ProbeMix::uniform(ports.into_iter().map(Probe::Syn).collect())
}

/// Mirai-like: 70% to 23, 15% to 2323, 15% spread over `n_extra` ports.
fn botnet_mix<R: Rng>(rng: &mut R, n_extra: u32) -> ProbeMix {
    let mut extra = BOTNET_TCP.to_vec();
    extra.shuffle(rng);
    let n = (n_extra as usize).min(extra.len());
    let mut pairs = vec![(Probe::Mirai(23), 70 * n as u32), (Probe::Mirai(2323), 15 * n as u32)];
    pairs.extend(extra[..n].iter().map(|&p| (Probe::Mirai(p), 15)));
    if n == 0 {
        pairs = vec![(Probe::Mirai(23), 70), (Probe::Mirai(2323), 15)];
    }
    ProbeMix::weighted(&pairs)
}

fn targeted_mix<R: Rng>(rng: &mut R, n: u32) -> ProbeMix {
    let mut services = TARGETED.to_vec();
    services.shuffle(rng);
    let mut pairs: Vec<(Probe, u32)> =
        services.into_iter().take(n as usize).map(|p| (p, rng.random_range(1..=10))).collect();
    while pairs.len() < n as usize {
        let p = Probe::Syn(rng.random_range(1024..=u16::MAX));
        if !pairs.iter().any(|&(q, _)| q == p) {
            pairs.push((p, rng.random_range(1..=10)));
        }
    }
    ProbeMix::weighted(&pairs)
}

/// A victim's replies: GRE, or SYN-ACKs and RSTs from one service port to
/// the `n_spoofed` source ports the attacker's tool spoofs (flood tools
/// draw them from a small set, so each gets many replies).
fn backscatter_mix<R: Rng>(rng: &mut R, n_spoofed: u32) -> ProbeMix {
    let port = VICTIM_PORTS[rng.random_range(0..VICTIM_PORTS.len())];
    let kind = rng.random_range(0..10);
    if kind < 2 {
        return ProbeMix::uniform(vec![Probe::Gre]);
    }
    let (w_synack, w_rst) = if kind < 6 { (9, 1) } else { (2, 8) };
    let mut spoofed = HashSet::new();
    while spoofed.len() < n_spoofed as usize {
        spoofed.insert(rng.random_range(1024..=u16::MAX));
    }
    let mut spoofed: Vec<u16> = spoofed.into_iter().collect();
    spoofed.sort_unstable();
    let pairs: Vec<(Probe, u32)> = spoofed
        .into_iter()
        .flat_map(|to| [(Probe::SynAck(port, to), w_synack), (Probe::Rst(port, to), w_rst)])
        .collect();
    ProbeMix::weighted(&pairs)
}

/// Hands out sender addresses, each at most once per scenario: public
/// unicast IPv4 outside the telescope, either scattered or packed in /24s.
struct AddressBook {
    telescope: Ipv4Prefix,
    used: HashSet<u32>,
    /// /24s holding a scattered address.
    touched: HashSet<u32>,
    /// /24s handed out whole to a research scanner or a victim.
    reserved: HashSet<u32>,
}

impl AddressBook {
    fn new(telescope: Ipv4Prefix) -> Self {
        Self { telescope, used: HashSet::new(), touched: HashSet::new(), reserved: HashSet::new() }
    }

    fn allowed(&self, a: u32) -> bool {
        let o = a.to_be_bytes();
        let special = matches!(
            o,
            [0 | 10 | 127, ..]
                | [100, 64..=127, ..]
                | [169, 254, ..]
                | [172, 16..=31, ..]
                | [192, 0, 0 | 2, _]
                | [192, 88, 99, _]
                | [192, 168, ..]
                | [198, 18 | 19, ..]
                | [198, 51, 100, _]
                | [203, 0, 113, _]
                | [224..=255, ..]
        );
        let host = o[3];
        !special && host != 0 && host != 255 && !self.telescope.contains(a.into())
    }

    /// A scattered address never handed out before.
    fn fresh<R: Rng>(&mut self, rng: &mut R) -> u32 {
        loop {
            let a: u32 = rng.random();
            if self.allowed(a) && !self.reserved.contains(&(a >> 8)) && self.used.insert(a) {
                self.touched.insert(a >> 8);
                return a;
            }
        }
    }

    /// `n` addresses packed in as few fresh /24s as possible.
    fn blocks<R: Rng>(&mut self, rng: &mut R, n: u32) -> Vec<u32> {
        let mut out = Vec::with_capacity(n as usize);
        while out.len() < n as usize {
            let block = loop {
                let b: u32 = rng.random::<u32>() >> 8;
                let a = (b << 8) | 1;
                if self.allowed(a) && !self.touched.contains(&b) && !self.reserved.contains(&b) {
                    break b;
                }
            };
            self.reserved.insert(block);
            let want = (n as usize - out.len()).min(254);
            let mut hosts: Vec<u32> = (1..=254).collect();
            hosts.shuffle(rng);
            let mut hosts = hosts[..want].to_vec();
            hosts.sort_unstable();
            for h in hosts {
                let a = (block << 8) | h;
                self.used.insert(a);
                out.push(a);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_heavy_tailed_and_sum_to_the_total() {
        let s = Scenario::preset("large").unwrap();
        let mut p = Planner::new(&s);
        for pop in &s.populations {
            let sizes = p.initial_sizes(pop);
            assert_eq!(sizes.len(), pop.n_groups as usize);
            assert_eq!(sizes.iter().sum::<u32>(), pop.n_senders);
            assert!(sizes.iter().all(|&x| x >= pop.min_size));
        }
        let bot = &s.populations[1];
        let sizes = p.initial_sizes(bot);
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(max / min >= 5, "{sizes:?}");
    }

    #[test]
    fn probe_mix_follows_weights() {
        let mix = ProbeMix::weighted(&[(Probe::Mirai(23), 7), (Probe::Mirai(2323), 3)]);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let n23 = (0..10_000).filter(|_| mix.pick(&mut rng) == Probe::Mirai(23)).count();
        assert!((6700..7300).contains(&n23), "{n23}");
        assert_eq!(mix.services(), ["tcp/23", "tcp/2323"]);
    }

    #[test]
    fn addresses_are_public_unique_and_outside_the_telescope() {
        let tel: Ipv4Prefix = "198.18.0.0/16".parse().unwrap();
        let mut book = AddressBook::new(tel);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut all: Vec<u32> = (0..5000).map(|_| book.fresh(&mut rng)).collect();
        let block = book.blocks(&mut rng, 300);
        assert_eq!(block.len(), 300);
        let prefixes: HashSet<u32> = block.iter().map(|a| a >> 8).collect();
        assert_eq!(prefixes.len(), 2);
        all.extend(&block);
        let set: HashSet<u32> = all.iter().copied().collect();
        assert_eq!(set.len(), all.len());
        for &a in &all {
            assert!(book.allowed(a));
            assert!(!tel.contains(a.into()));
        }
        assert!(!book.allowed(u32::from(std::net::Ipv4Addr::new(10, 1, 2, 3))));
        assert!(!book.allowed(u32::from(std::net::Ipv4Addr::new(198, 18, 2, 3))));
    }

    #[test]
    fn truncated_pareto_stays_in_range() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        for _ in 0..1000 {
            let x = truncated_pareto(&mut rng, 1.2, 10.0, 400.0);
            assert!((10.0..=400.0).contains(&x));
        }
    }
}
