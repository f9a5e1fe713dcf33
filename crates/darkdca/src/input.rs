//! Reading captures into daily batches.
//!
//! [`RecordSource`] opens one file (pcap, pcapng or flow CSV, each possibly
//! gzip-compressed); [`DayStream`] cuts the records of any number of files
//! into batches with the trace crate's [`Batcher`], and records each
//! sender's activity per hour beside it for the cluster profiles.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Config;
use crate::day::batch_id_of;
use crate::error::{Error, Result};
use crate::profile::ActivityTable;
use crate::trace::{
    self, Batch, BatchParams, BatchReport, Batcher, CaptureReader, CsvLayout, CsvReader,
    PacketRecord,
};

/// How a flow CSV is laid out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CsvChoice {
    /// Try the known layouts (marx, darkvec) and take the first whose
    /// columns are all in the header.
    #[default]
    Auto,
    /// A given layout.
    Layout(Box<CsvLayout>),
}

impl CsvChoice {
    /// A layout preset by name: `auto`, `darkvec` or `marx`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "auto" => Some(Self::Auto),
            "darkvec" => Some(Self::Layout(Box::new(CsvLayout::darkvec()))),
            "marx" => Some(Self::Layout(Box::new(CsvLayout::marx()))),
            _ => None,
        }
    }
}

/// Whether a file name looks like a flow CSV (`.csv`, `.csv.gz`).
#[must_use]
pub fn is_csv(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
    name.ends_with(".csv") || name.ends_with(".csv.gz")
}

/// Whether a file name looks like a capture or a flow CSV the command reads
/// (`.pcap`, `.pcapng`, `.cap`, `.csv`, each optionally `.gz`).
#[must_use]
pub fn is_input_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    [".pcap", ".pcapng", ".cap", ".csv"].iter().any(|e| name.ends_with(e))
}

/// Records of one file.
pub struct RecordSource {
    inner: Inner,
}

enum Inner {
    Capture(Box<CaptureReader>),
    Csv(Box<CsvReader>),
}

impl std::fmt::Debug for RecordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.inner {
            Inner::Capture(_) => "capture",
            Inner::Csv(_) => "csv",
        };
        f.debug_struct("RecordSource").field("kind", &kind).finish_non_exhaustive()
    }
}

impl RecordSource {
    /// Opens a capture, or a flow CSV when the name ends in `.csv` or
    /// `.csv.gz`.
    ///
    /// # Errors
    ///
    /// [`Error::Trace`] when the file cannot be opened or has an unknown
    /// format or CSV layout.
    pub fn open(path: &Path, csv: &CsvChoice) -> Result<Self> {
        let trace = |source| Error::Trace { source };
        if !is_csv(path) {
            let r = CaptureReader::open(path).map_err(trace)?;
            return Ok(Self { inner: Inner::Capture(Box::new(r)) });
        }
        let layouts = match csv {
            CsvChoice::Layout(l) => vec![(**l).clone()],
            CsvChoice::Auto => vec![CsvLayout::marx(), CsvLayout::darkvec()],
        };
        let mut last = None;
        for layout in layouts {
            match CsvReader::open(path, layout) {
                Ok(r) => return Ok(Self { inner: Inner::Csv(Box::new(r)) }),
                Err(e @ trace::Error::Csv { .. }) => last = Some(e),
                Err(e) => return Err(trace(e)),
            }
        }
        // The loop ran at least once, so `last` holds the layout error.
        Err(trace(
            last.unwrap_or(trace::Error::Params {
                name: "csv layout",
                reason: "none given".into(),
            }),
        ))
    }

    /// Sets the reader's timestamp check: a record (or a run of at most
    /// three) whose time jumps more than `ns` away from the records around
    /// it in the file, while those agree with each other, is skipped and
    /// counted as a timestamp outlier in [`RecordSource::report`]; `None`
    /// turns the check off. The default is one hour (see the trace crate's
    /// `CaptureReader::max_time_jump_ns`).
    #[must_use]
    pub fn max_time_jump_ns(self, ns: Option<i64>) -> Self {
        let inner = match self.inner {
            Inner::Capture(r) => Inner::Capture(Box::new(r.max_time_jump_ns(ns))),
            Inner::Csv(r) => Inner::Csv(Box::new(r.max_time_jump_ns(ns))),
        };
        Self { inner }
    }

    /// What the reader counted so far (frames or rows, malformed ones,
    /// timestamp outliers).
    #[must_use]
    pub fn report(&self) -> &trace::ReadReport {
        match &self.inner {
            Inner::Capture(r) => r.report(),
            Inner::Csv(r) => r.report(),
        }
    }
}

impl Iterator for RecordSource {
    type Item = trace::Result<PacketRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Capture(r) => r.next(),
            Inner::Csv(r) => r.next_record().transpose(),
        }
    }
}

/// One batch with the activity per hour of its senders.
#[derive(Debug, Clone)]
pub struct DayBatch {
    /// The batch (sender statistics and the corpus log).
    pub batch: Batch,
    /// Packets per sender and hour.
    pub activity: ActivityTable,
}

/// Cuts records into [`DayBatch`]es of `trace.batch_seconds`.
#[derive(Debug)]
pub struct DayStream {
    batcher: Batcher,
    window_ns: i64,
    tables: BTreeMap<i64, ActivityTable>,
    n_out_of_range: u64,
}

/// Latest accepted record time: 2100-01-01T00:00:00Z in nanoseconds since
/// the Unix epoch. Records must lie in `0..=MAX_TS_NS` (from 1970 on: batch
/// ids count batches since 1970-01-01).
pub const MAX_TS_NS: i64 = 4_102_444_800_000_000_000;

impl DayStream {
    /// A stream cutting batches as the configuration says, tolerating
    /// records up to `max_disorder_ns` out of time order (records later
    /// than that after their batch closed are dropped and counted).
    /// Packets addressed outside the telescope's prefixes
    /// (`trace.telescope`, when set) are left out and counted in
    /// [`BatchReport::n_outside`] of [`DayStream::report`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for an entry of `trace.telescope` that is
    /// not a prefix, [`Error::Trace`] when the batcher rejects the
    /// parameters.
    pub fn new(config: &Config, max_disorder_ns: i64) -> Result<Self> {
        let window_ns = i64::from(config.trace.batch_seconds) * 1_000_000_000;
        let params = BatchParams::default()
            .window_ns(window_ns)
            .max_disorder_ns(max_disorder_ns)
            .telescope(config.trace.telescope_prefixes()?)
            .n_top_ports(8);
        let batcher = Batcher::new(params).map_err(|source| Error::Trace { source })?;
        Ok(Self { batcher, window_ns, tables: BTreeMap::new(), n_out_of_range: 0 })
    }

    /// Adds one record; a record timed outside `0..=`[`MAX_TS_NS`] is
    /// left out and counted ([`DayStream::n_out_of_range`]). A `count` of 0
    /// counts as one packet, as everywhere in the pipeline.
    pub fn push(&mut self, rec: &PacketRecord) {
        if self.try_push(rec).is_err() {
            self.n_out_of_range += 1;
        }
    }

    /// Records left out by [`DayStream::push`] for their time.
    #[must_use]
    pub fn n_out_of_range(&self) -> u64 {
        self.n_out_of_range
    }

    /// Adds one record, refusing one timed outside `0..=`[`MAX_TS_NS`].
    ///
    /// # Errors
    ///
    /// [`Error::TimestampOutOfRange`] for such a record (nothing is added).
    pub fn try_push(&mut self, rec: &PacketRecord) -> Result<()> {
        if !(0..=MAX_TS_NS).contains(&rec.ts_ns) {
            return Err(Error::TimestampOutOfRange { ts_ns: rec.ts_ns });
        }
        self.push_checked(rec);
        Ok(())
    }

    fn push_checked(&mut self, rec: &PacketRecord) {
        // A record the batcher leaves out (too late for its batch, or not
        // addressed to the telescope) has no place in the activity either.
        let left_out = |r: &BatchReport| r.n_late_dropped + r.n_outside;
        let before = left_out(self.batcher.report());
        self.batcher.push(rec);
        if left_out(self.batcher.report()) == before {
            let start = rec.ts_ns.div_euclid(self.window_ns) * self.window_ns;
            let window = self.window_ns;
            self.tables.entry(start).or_insert_with(|| ActivityTable::new(start, window)).add(rec);
        }
    }

    /// The next finished batch, if any.
    pub fn pop(&mut self) -> Option<DayBatch> {
        let batch = self.batcher.pop_batch()?;
        Some(attach(&mut self.tables, self.window_ns, batch))
    }

    /// Ends the stream and returns the remaining batches, oldest first.
    #[must_use]
    pub fn finish(mut self) -> Vec<DayBatch> {
        let mut out: Vec<DayBatch> = std::iter::from_fn(|| self.pop()).collect();
        let Self { batcher, window_ns, mut tables, .. } = self;
        for b in batcher.finish() {
            out.push(attach(&mut tables, window_ns, b));
        }
        out
    }

    /// What the batcher counted (records, late records dropped, ...).
    #[must_use]
    pub fn report(&self) -> &BatchReport {
        self.batcher.report()
    }
}

/// Pairs a finished batch with its activity table.
fn attach(tables: &mut BTreeMap<i64, ActivityTable>, window_ns: i64, batch: Batch) -> DayBatch {
    let start = batch.id().0;
    // Tables of batches that emitted nothing (all records late) go too.
    let stale: Vec<i64> = tables.range(..start).map(|(&k, _)| k).collect();
    for k in stale {
        tables.remove(&k);
    }
    let activity = tables.remove(&start).unwrap_or_else(|| ActivityTable::new(start, window_ns));
    DayBatch { batch, activity }
}

impl DayBatch {
    /// The batch id used by the tracker: whole batches since the epoch.
    #[must_use]
    pub fn batch_id(&self, batch_seconds: u32) -> u64 {
        batch_id_of(self.batch.id().0, batch_seconds)
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn packet(ts_ns: i64, src: [u8; 4], dst: [u8; 4]) -> PacketRecord {
        PacketRecord {
            ts_ns,
            src: trace::Addr::V4(Ipv4Addr::from(src)),
            dst: Some(trace::Addr::V4(Ipv4Addr::from(dst))),
            proto: trace::proto::TCP,
            src_port: Some(40_000),
            dst_port: Some(23),
            tcp_flags: None,
            tcp_seq: None,
            len: 40,
            count: 1,
            mirai_label: None,
        }
    }

    #[test]
    fn packets_not_addressed_to_the_telescope_are_left_out_and_counted() {
        let mut config = Config::default();
        config.trace.telescope = vec!["198.51.100.0/24".to_owned()];
        let mut stream = DayStream::new(&config, 0).unwrap();
        let scanner = [203, 0, 113, 7];
        let sensor = [198, 51, 100, 9];
        for i in 0..3 {
            stream.push(&packet(i * 1_000_000_000, scanner, sensor));
            // The sensor's reply goes out of the telescope.
            stream.push(&packet(i * 1_000_000_000 + 1, sensor, scanner));
        }
        assert_eq!(stream.report().n_outside, 3);
        let days = stream.finish();
        assert_eq!(days.len(), 1);
        let day = &days[0];
        assert_eq!(day.batch.n_senders(), 1, "only the scanner sends to the telescope");
        assert!(day.batch.sender(&trace::Addr::V4(Ipv4Addr::from(sensor))).is_none());
        assert_eq!(day.activity.len(), 1, "the replies have no activity either");

        // Without prefixes every packet counts, as before.
        let mut stream = DayStream::new(&Config::default(), 0).unwrap();
        stream.push(&packet(0, sensor, scanner));
        assert_eq!(stream.report().n_outside, 0);
        assert_eq!(stream.finish()[0].batch.n_senders(), 1);
    }

    #[test]
    fn a_bad_telescope_prefix_names_the_field_and_the_entry() {
        let mut config = Config::default();
        config.trace.telescope = vec!["198.51.100.0/24".to_owned(), "10.0.0.0/33".to_owned()];
        let err = DayStream::new(&config, 0).unwrap_err().to_string();
        assert!(err.contains("trace.telescope") && err.contains("\"10.0.0.0/33\""), "{err}");
    }
}
