//! Skipping records whose timestamp jumps away from the rest of their file
//! and back (a corrupted or clock-glitched packet), with a bounded
//! look-ahead.
//!
//! Two times *agree* when they are at most the reader's maximum jump apart
//! (`--max-disorder` in the command, one hour by default). The guard keeps
//! the time of the last record it let through (the *anchor*); a record
//! that agrees with the anchor passes at once, which is the only work done
//! for almost every record. A record that does not is held, with at most
//! [`MAX_RUN`] others, until the file says what it is:
//!
//! * a later record agrees with the anchor again: the held records were an
//!   excursion and are outliers (the records around them agree);
//! * more than [`MAX_RUN`] records in a row disagree with the anchor: the
//!   capture really moved on (a gap, missing days); the first held record
//!   becomes the anchor and the others are judged again from it;
//! * at the start of a file there is no anchor: records are held until
//!   [`MAX_RUN`] + 1 in a row each agree with the one before (a dense run);
//!   the up to [`MAX_RUN`] records held before that run are kept when they
//!   agree with its first record and are outliers otherwise. A file that
//!   has no such run among its first `2 MAX_RUN + 1` records is sparse and
//!   taken as it is;
//! * at the end of a file (or before a read error) the held records (at
//!   most [`MAX_RUN`], all disagreeing with the anchor) are outliers when
//!   the anchor agreed with the record before it (the file was dense
//!   there), whether or not they agree with each other; otherwise they are
//!   kept. So a capture whose last one to three records come more than the
//!   maximum jump after a dense stretch loses them: a glitch that would
//!   otherwise open a day of its own.
//!
//! Records pass in file order; only held ones wait, at most
//! `2 MAX_RUN + 1`.

use std::collections::VecDeque;

use crate::capture::ReadReport;
use crate::error::{Error, Result};
use crate::record::PacketRecord;

/// Longest run of consecutive records taken for outliers.
pub(crate) const MAX_RUN: usize = 3;

/// Records in a row, each agreeing with the one before, that anchor the
/// start of a file.
const DENSE_RUN: usize = MAX_RUN + 1;

/// Default maximum jump: one hour, the batcher's default disorder.
pub(crate) const DEFAULT_MAX_JUMP_NS: i64 = 3_600_000_000_000;

/// The outlier filter of one file; `T` is what passes through.
#[derive(Debug)]
pub(crate) struct TimeGuard<T> {
    /// Largest difference at which two times agree; `u64::MAX` disables
    /// the guard.
    max_jump: u64,
    /// Time of the last record let through.
    anchor: i64,
    /// Whether `anchor` holds a record's time.
    anchored: bool,
    /// Whether the anchor agreed with the record let through before it.
    dense: bool,
    /// `anchored` and nothing held: the next record needs one comparison.
    steady: bool,
    held: VecDeque<(i64, T)>,
    /// Outliers found and not yet taken by [`TimeGuard::take_outliers`].
    n_outliers: u64,
}

impl<T> TimeGuard<T> {
    /// A guard for times at most `max_jump_ns` apart; `None` or a negative
    /// value lets every record through.
    pub(crate) fn new(max_jump_ns: Option<i64>) -> Self {
        let max_jump = match max_jump_ns {
            Some(ns) if ns >= 0 => ns as u64,
            _ => u64::MAX,
        };
        // A disabled guard is steady from the start: every time agrees.
        let off = max_jump == u64::MAX;
        Self {
            max_jump,
            anchor: 0,
            anchored: off,
            dense: false,
            steady: off,
            held: VecDeque::new(),
            n_outliers: 0,
        }
    }

    #[inline]
    fn agree(&self, a: i64, b: i64) -> bool {
        a.abs_diff(b) <= self.max_jump
    }

    /// Offers one record; records let through go to `out`, in file order.
    #[inline]
    pub(crate) fn push(&mut self, ts: i64, item: T, out: &mut impl FnMut(T)) {
        if self.steady && self.agree(ts, self.anchor) {
            self.anchor = ts;
            self.dense = true;
            out(item);
        } else {
            self.push_slow(ts, item, out);
        }
    }

    #[cold]
    fn push_slow(&mut self, ts: i64, item: T, out: &mut impl FnMut(T)) {
        self.held.push_back((ts, item));
        self.judge(out);
        self.steady = self.anchored && self.held.is_empty();
    }

    /// Lets `item` through as the new anchor.
    fn pass(&mut self, ts: i64, item: T, out: &mut impl FnMut(T)) {
        self.dense = self.anchored && self.agree(ts, self.anchor);
        self.anchor = ts;
        self.anchored = true;
        out(item);
    }

    /// Drops the first `n` held records as outliers.
    fn drop_front(&mut self, n: usize) {
        self.held.drain(..n);
        self.n_outliers += n as u64;
    }

    /// Decides what the latest held record allows.
    fn judge(&mut self, out: &mut impl FnMut(T)) {
        let n = self.held.len();
        let last = self.held[n - 1].0;
        if self.anchored {
            if self.agree(last, self.anchor) {
                self.drop_front(n - 1);
                if let Some((ts, item)) = self.held.pop_front() {
                    self.pass(ts, item, out);
                }
            } else if n > MAX_RUN {
                self.move_on(out);
            }
            return;
        }
        // The start of the file: wait for a dense run, `DENSE_RUN` records
        // in a row each agreeing with the one before.
        let chain = 1
            + (1..n).rev().take_while(|&i| self.agree(self.held[i - 1].0, self.held[i].0)).count();
        if chain >= DENSE_RUN {
            // Held records before the run are kept when they agree with its
            // first record and are outliers otherwise (at most `MAX_RUN`).
            let first = self.held[n - chain].0;
            let before: Vec<(i64, T)> = self.held.drain(..n - chain).collect();
            for (ts, item) in before {
                if self.agree(ts, first) {
                    self.pass(ts, item, out);
                } else {
                    self.n_outliers += 1;
                }
            }
            while let Some((ts, item)) = self.held.pop_front() {
                self.pass(ts, item, out);
            }
        } else if n >= MAX_RUN + DENSE_RUN {
            // No dense run: a sparse start, taken as it is.
            self.move_on(out);
        }
    }

    /// Takes the first held record as a real jump in time and judges the
    /// others again from it.
    fn move_on(&mut self, out: &mut impl FnMut(T)) {
        let mut rest = std::mem::take(&mut self.held);
        if let Some((ts, item)) = rest.pop_front() {
            self.dense = false;
            self.anchor = ts;
            self.anchored = true;
            self.steady = true;
            out(item);
        }
        for (ts, item) in rest {
            self.push(ts, item, out);
        }
    }

    /// Ends the file (or stops before a read error): judges the held
    /// records with nothing after them and lets the kept ones through.
    pub(crate) fn finish(&mut self, out: &mut impl FnMut(T)) {
        while !self.held.is_empty() {
            // Held behind a dense anchor, at most `MAX_RUN` records disagree
            // with it, whether or not they agree with each other.
            if self.anchored && self.dense {
                let n = self.held.len();
                self.drop_front(n);
            } else {
                self.move_on(out);
            }
        }
        let off = self.max_jump == u64::MAX;
        self.anchored = off;
        self.dense = false;
        self.steady = off;
    }

    /// Outliers found since the last call.
    pub(crate) fn take_outliers(&mut self) -> u64 {
        std::mem::take(&mut self.n_outliers)
    }

    /// Lets a record through at once if it agrees with the anchor and
    /// nothing is held (the usual case: one comparison); otherwise the
    /// caller hands it to [`TimeGuard::hold`].
    #[inline]
    pub(crate) fn passes(&mut self, ts: i64) -> bool {
        let ok = self.steady && self.agree(ts, self.anchor);
        if ok {
            self.anchor = ts;
            self.dense = true;
        }
        ok
    }

    /// [`TimeGuard::push`] for a record that [`TimeGuard::passes`] refused.
    #[cold]
    pub(crate) fn hold(&mut self, ts: i64, item: T, out: &mut impl FnMut(T)) {
        self.push_slow(ts, item, out);
    }

    /// The maximum jump, `None` when disabled.
    pub(crate) fn max_jump_ns(&self) -> Option<i64> {
        i64::try_from(self.max_jump).ok()
    }
}

/// A reader's guard with the records it let through and not yet handed
/// out, and a read error waiting behind them.
#[derive(Debug)]
pub(crate) struct RecordGuard {
    guard: TimeGuard<PacketRecord>,
    ready: VecDeque<PacketRecord>,
    error: Option<Error>,
    /// The reader's end or error has been offered.
    ended: bool,
    /// Nothing waits to be handed out and the end is not reached: the
    /// reader reads the next record.
    idle: bool,
    /// A record has gone the slow way (the first one always does when the
    /// check is on).
    started: bool,
}

impl Default for RecordGuard {
    fn default() -> Self {
        Self::new(Some(DEFAULT_MAX_JUMP_NS))
    }
}

impl RecordGuard {
    pub(crate) fn new(max_jump_ns: Option<i64>) -> Self {
        Self {
            guard: TimeGuard::new(max_jump_ns),
            ready: VecDeque::new(),
            error: None,
            ended: false,
            idle: true,
            started: false,
        }
    }

    pub(crate) fn max_jump_ns(&self) -> Option<i64> {
        self.guard.max_jump_ns()
    }

    /// Whether no record has gone through the guard's slow way yet.
    pub(crate) fn untouched(&self) -> bool {
        !self.started
    }

    /// Whether the reader should read and [`RecordGuard::offer`] the next
    /// record (otherwise [`RecordGuard::next_out`] has the answer).
    #[inline]
    pub(crate) fn idle(&self) -> bool {
        self.idle
    }

    /// Lets a record through at once when nothing is held and its time
    /// agrees (the usual case); otherwise the caller offers it.
    #[inline]
    pub(crate) fn passes(&mut self, ts: i64) -> bool {
        self.guard.passes(ts)
    }

    /// What the reader hands out next when not idle: a record let through,
    /// then the read error, then `Ok(None)` once the end was offered.
    pub(crate) fn next_out(&mut self) -> Option<Result<Option<PacketRecord>>> {
        let out = if let Some(r) = self.ready.pop_front() {
            Some(Ok(Some(r)))
        } else if let Some(e) = self.error.take() {
            Some(Err(e))
        } else {
            self.ended.then_some(Ok(None))
        };
        self.idle = !self.ended && self.ready.is_empty();
        out
    }

    /// Offers what the reader read and [`RecordGuard::passes`] did not let
    /// through: a record, the end or an error. Outliers move from the
    /// report's records to [`Malformed::TimestampOutlier`](crate::Malformed).
    #[cold]
    pub(crate) fn offer(&mut self, read: Result<Option<PacketRecord>>, report: &mut ReadReport) {
        self.started = true;
        let ready = &mut self.ready;
        match read {
            Ok(Some(rec)) => self.guard.hold(rec.ts_ns, rec, &mut |r| ready.push_back(r)),
            Ok(None) => {
                self.guard.finish(&mut |r| ready.push_back(r));
                self.ended = true;
            }
            Err(e) => {
                self.guard.finish(&mut |r| ready.push_back(r));
                self.error = Some(e);
                self.ended = true;
            }
        }
        report.count_outliers(self.guard.take_outliers());
        self.idle = !self.ended && self.ready.is_empty();
    }
}

/// A reader whose records go through a [`RecordGuard`]: the capture and
/// CSV readers implement the two accessors and share
/// [`GuardedReader::next_guarded`], the one loop between reading and the
/// guard.
pub(crate) trait GuardedReader {
    /// The next record as read, before the timestamp check.
    fn read_unchecked(&mut self) -> Result<Option<PacketRecord>>;

    /// The reader's guard and read report.
    fn guard_and_report(&mut self) -> (&mut RecordGuard, &mut ReadReport);

    /// The next record the guard lets through, `None` at the end.
    #[inline]
    fn next_guarded(&mut self) -> Result<Option<PacketRecord>> {
        loop {
            if self.guard_and_report().0.idle() {
                let read = self.read_unchecked();
                if let Ok(Some(rec)) = &read
                    && self.guard_and_report().0.passes(rec.ts_ns)
                {
                    return read;
                }
                let (guard, report) = self.guard_and_report();
                guard.offer(read, report);
            } else if let Some(out) = self.guard_and_report().0.next_out() {
                return out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000_000_000;

    /// The times the guard lets through, and the outliers.
    fn run(times: &[i64]) -> (Vec<i64>, u64) {
        let mut g = TimeGuard::new(Some(H));
        let mut kept = Vec::new();
        for &t in times {
            g.push(t, t, &mut |x| kept.push(x));
            assert!(g.held.len() <= MAX_RUN + DENSE_RUN);
        }
        g.finish(&mut |x| kept.push(x));
        (kept, g.take_outliers())
    }

    fn dense(from: i64, n: i64) -> Vec<i64> {
        (0..n).map(|i| from + i * 1_000_000_000).collect()
    }

    #[test]
    fn a_lone_jump_forward_or_back_is_an_outlier() {
        for odd in [1_000 * H, -1_000 * H, 2 * H, -2 * H] {
            let mut t = dense(100 * H, 10);
            t.insert(5, 100 * H + odd);
            let (kept, n) = run(&t);
            assert_eq!((kept, n), (dense(100 * H, 10), 1), "jump {odd}");
        }
    }

    #[test]
    fn short_runs_and_edges_are_outliers() {
        let base = dense(100 * H, 10);
        // Two and three in a row, different directions.
        for run_at in [vec![900 * H, 900 * H], vec![900 * H, 3 * H, 900 * H]] {
            let mut t = base.clone();
            for (i, &x) in run_at.iter().enumerate() {
                t.insert(4 + i, x);
            }
            assert_eq!(run(&t), (base.clone(), run_at.len() as u64));
        }
        // First record, first two, last record.
        let mut t = vec![900 * H];
        t.extend(&base);
        assert_eq!(run(&t), (base.clone(), 1));
        let mut t = vec![900 * H, 3 * H];
        t.extend(&base);
        assert_eq!(run(&t), (base.clone(), 2));
        let mut t = vec![base[0], 900 * H];
        t.extend(&base[1..]);
        assert_eq!(run(&t), (base.clone(), 1));
        let mut t = base.clone();
        t.push(900 * H);
        assert_eq!(run(&t), (base.clone(), 1));
        // Two or three glitched records that agree with each other (seconds
        // apart), first or last in the file: outliers, not a day of their own.
        for k in [2, 3] {
            let glitch = dense(900 * H, k);
            let mut t = glitch.clone();
            t.extend(&base);
            assert_eq!(run(&t), (base.clone(), k as u64), "{k} first");
            let mut t = base.clone();
            t.extend(&glitch);
            assert_eq!(run(&t), (base.clone(), k as u64), "{k} last");
        }
    }

    #[test]
    fn real_gaps_and_sparse_streams_are_kept() {
        // A dense day, a gap of two days, a dense day.
        let mut t = dense(100 * H, 10);
        t.extend(dense(148 * H, 10));
        assert_eq!(run(&t), (t.clone(), 0));
        // One record every six hours; two records far apart; one record.
        let sparse: Vec<i64> = (0..8).map(|i| i * 6 * H).collect();
        assert_eq!(run(&sparse), (sparse.clone(), 0));
        assert_eq!(run(&[0, 10 * H]), (vec![0, 10 * H], 0));
        assert_eq!(run(&[5]), (vec![5], 0));
        // Dense, then a last segment of four records after a gap: kept (one
        // to three would be taken for a glitch, see the module doc).
        let mut t = dense(100 * H, 10);
        t.extend(dense(110 * H, 4));
        assert_eq!(run(&t), (t.clone(), 0));
        // A gap right after four first records that agree with each other:
        // both stretches are dense runs, both kept.
        let mut t = dense(0, 4);
        t.extend(dense(50 * H, 6));
        assert_eq!(run(&t), (t.clone(), 0));
    }

    #[test]
    fn disabled_guard_lets_everything_through() {
        let mut g = TimeGuard::new(None);
        let mut kept = Vec::new();
        for t in [0, 1_000 * H, 1] {
            g.push(t, t, &mut |x| kept.push(x));
        }
        g.finish(&mut |x| kept.push(x));
        assert_eq!(kept, vec![0, 1_000 * H, 1]);
        assert_eq!(g.take_outliers(), 0);
    }
}
