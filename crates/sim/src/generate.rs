//! The simulation as a whole: planned once, then streamed or written day by day.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use darkdca_trace::{LinkType, PcapWriter, WriterOptions};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::error::{Error, Result};
use crate::plan::{DAY_NS, Plan};
use crate::scenario::{Link, Scenario};
use crate::stream::DayStream;
use crate::truth::{
    ACTIVE_MIN_PACKETS, DayEntry, FORMAT_VERSION, FateEvent, GroupDayTruth, GroupInfo,
    MANIFEST_FILE, MANIFEST_FORMAT, Manifest, SenderTruth, TRUTH_FORMAT, Truth, temp_path,
    write_atomic, write_json_atomic,
};

/// A planned scenario: the groups, their members and fates on every day.
///
/// Planning is cheap next to generating packets (it draws per-sender
/// counts, not packets); the packets of a day are generated on demand by
/// [`Simulation::day_stream`] or written by [`Simulation::write_day`].
#[derive(Debug, Clone)]
pub struct Simulation {
    plan: Plan,
}

/// The files of one generated day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayFiles {
    /// The day, from 0.
    pub day: u32,
    /// The capture.
    pub pcap: PathBuf,
    /// The truth (see [`Truth`]).
    pub truth: PathBuf,
    /// Packets written.
    pub n_packets: u64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The manifest (`scenario.json`).
    pub manifest: PathBuf,
    /// The days, in order.
    pub days: Vec<DayFiles>,
}

impl Simulation {
    /// Checks and plans a scenario.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] if the scenario is invalid, [`Error::Unplaceable`] if
    /// a scripted fate finds no group to apply to.
    pub fn new(scenario: &Scenario) -> Result<Self> {
        Ok(Self { plan: Plan::build(scenario)? })
    }

    /// The scenario.
    #[must_use]
    pub fn scenario(&self) -> &Scenario {
        &self.plan.scenario
    }

    /// Number of days.
    #[must_use]
    pub fn n_days(&self) -> u32 {
        self.plan.scenario.n_days
    }

    /// Every group of the scenario, by id.
    #[must_use]
    pub fn groups(&self) -> &[GroupInfo] {
        &self.plan.groups
    }

    /// Every scripted event, by day.
    #[must_use]
    pub fn events(&self) -> &[FateEvent] {
        &self.plan.events
    }

    /// Start of `day`, nanoseconds since the Unix epoch.
    #[must_use]
    pub fn day_start_ns(&self, day: u32) -> i64 {
        self.plan.scenario.start_unix_s * 1_000_000_000 + i64::from(day) * DAY_NS
    }

    fn check_day(&self, day: u32) -> Result<()> {
        if day >= self.n_days() {
            return Err(Error::DayOutOfRange { day, n_days: self.n_days() });
        }
        Ok(())
    }

    /// The packets of `day` in time order.
    ///
    /// # Errors
    ///
    /// [`Error::DayOutOfRange`] if the scenario has no such day.
    pub fn day_stream(&self, day: u32) -> Result<DayStream<'_>> {
        self.check_day(day)?;
        let s = &self.plan.scenario;
        let plan = &self.plan.days[day as usize];
        Ok(DayStream::new(plan, s.telescope, self.day_start_ns(day), s.seed))
    }

    /// The truth of `day`.
    ///
    /// # Errors
    ///
    /// [`Error::DayOutOfRange`] if the scenario has no such day.
    pub fn truth(&self, day: u32) -> Result<Truth> {
        self.check_day(day)?;
        let s = &self.plan.scenario;
        let d = &self.plan.days[day as usize];
        let mut senders = Vec::new();
        let mut groups = Vec::new();
        for g in &d.groups {
            let services = g.mix.services();
            groups.push(GroupDayTruth {
                id: g.id,
                kind: g.kind,
                n_senders: g.members.len() as u32,
                n_packets: g.packets.iter().map(|&p| u64::from(p)).sum(),
                n_services: services.len() as u32,
                services: services.into_iter().take(20).collect(),
            });
            senders.extend(g.members.iter().zip(&g.packets).map(|(&a, &p)| SenderTruth {
                addr: a.into(),
                group: Some(g.id),
                packets: p,
            }));
        }
        let n = &d.noise;
        senders.extend(n.senders.iter().zip(&n.packets).map(|(&a, &p)| SenderTruth {
            addr: a.into(),
            group: None,
            packets: p,
        }));
        senders.sort_unstable_by_key(|s| s.addr);
        let start_ns = self.day_start_ns(day);
        Ok(Truth {
            format: TRUTH_FORMAT.into(),
            version: FORMAT_VERSION,
            scenario: s.name.clone(),
            seed: s.seed,
            day,
            start_ns,
            end_ns: start_ns + DAY_NS,
            telescope: s.telescope,
            n_packets: d.n_packets(),
            n_senders: senders.len() as u32,
            n_active_senders: senders.iter().filter(|s| s.packets > ACTIVE_MIN_PACKETS).count()
                as u32,
            groups,
            events: d.events.clone(),
            senders,
        })
    }

    /// File names of `day`'s capture and truth.
    #[must_use]
    pub fn day_file_names(&self, day: u32) -> (String, String) {
        let ext = if self.plan.scenario.compress { "pcap.gz" } else { "pcap" };
        (format!("day-{day:03}.{ext}"), format!("day-{day:03}.truth.json"))
    }

    /// Writes `day`'s capture and truth into `dir` (which must exist), each
    /// atomically.
    ///
    /// # Errors
    ///
    /// [`Error::DayOutOfRange`], [`Error::Io`] if a file cannot be written,
    /// [`Error::Capture`] if the pcap writer fails.
    pub fn write_day(&self, day: u32, dir: &Path) -> Result<DayFiles> {
        let truth = self.truth(day)?;
        let (pcap_name, truth_name) = self.day_file_names(day);
        let pcap = dir.join(pcap_name);
        let n_packets = self.write_capture(day, &pcap)?;
        debug_assert_eq!(n_packets, truth.n_packets);
        let truth_path = dir.join(truth_name);
        write_json_atomic(&truth_path, &truth)?;
        Ok(DayFiles { day, pcap, truth: truth_path, n_packets })
    }

    fn write_capture(&self, day: u32, path: &Path) -> Result<u64> {
        let link = match self.plan.scenario.link {
            Link::Ethernet => LinkType::Ethernet,
            Link::Raw => LinkType::Raw,
        };
        let options = WriterOptions::with_link_type(link);
        let stream = self.day_stream(day)?;
        let tmp = temp_path(path);
        let capture_err = |source| Error::Capture { path: path.into(), source };
        let result = (|| {
            let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            let (file, n) = if self.plan.scenario.compress {
                let gz = GzEncoder::new(file, Compression::default());
                let (gz, n) = write_records(gz, options, stream).map_err(capture_err)?;
                (gz.finish().map_err(|e| Error::io(&tmp, e))?, n)
            } else {
                write_records(file, options, stream).map_err(capture_err)?
            };
            file.sync_all().map_err(|e| Error::io(&tmp, e))?;
            std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
            Ok(n)
        })();
        if result.is_err() {
            // Best effort: the error that matters is the one returned.
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// The manifest of the generated files.
    #[must_use]
    pub fn manifest(&self) -> Manifest {
        let days = (0..self.n_days())
            .map(|day| {
                let d = &self.plan.days[day as usize];
                let (pcap, truth) = self.day_file_names(day);
                let counts = d.groups.iter().flat_map(|g| &g.packets).chain(&d.noise.packets);
                let (mut n_senders, mut n_active) = (0, 0);
                for &p in counts {
                    n_senders += 1;
                    n_active += u32::from(p > ACTIVE_MIN_PACKETS);
                }
                let start_ns = self.day_start_ns(day);
                DayEntry {
                    day,
                    pcap,
                    truth,
                    start_ns,
                    end_ns: start_ns + DAY_NS,
                    n_packets: d.n_packets(),
                    n_senders,
                    n_active_senders: n_active,
                }
            })
            .collect();
        Manifest {
            format: MANIFEST_FORMAT.into(),
            version: FORMAT_VERSION,
            scenario: self.plan.scenario.clone(),
            days,
            groups: self.plan.groups.clone(),
            events: self.plan.events.clone(),
        }
    }
}

fn write_records<W: Write>(
    out: W,
    options: WriterOptions,
    stream: DayStream<'_>,
) -> darkdca_trace::Result<(W, u64)> {
    let mut w = PcapWriter::new(out, options)?;
    for rec in stream {
        w.write_record(&rec)?;
    }
    let n = w.n_written();
    Ok((w.finish()?, n))
}

/// Plans `scenario` and writes every day's capture and truth, then the
/// manifest, into `out_dir` (created if missing). Every file is written
/// atomically; files of other scenarios in the directory are left alone.
///
/// Days are written by up to 4 threads (as many as the machine has cores);
/// the files do not depend on the number of threads.
///
/// # Errors
///
/// As [`Simulation::new`] and [`Simulation::write_day`] (the error of the
/// earliest failing day); [`Error::Io`] if the directory cannot be created.
pub fn generate(scenario: &Scenario, out_dir: &Path) -> Result<Generated> {
    let sim = Simulation::new(scenario)?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let days = write_days(&sim, out_dir)?;
    let manifest = out_dir.join(MANIFEST_FILE);
    let text = serde_json::to_string_pretty(&sim.manifest())
        .map_err(|source| Error::Json { path: manifest.clone(), source })?;
    write_atomic(&manifest, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })?;
    Ok(Generated { manifest, days })
}

/// Writes every day with a few threads taking days in turn.
fn write_days(sim: &Simulation, dir: &Path) -> Result<Vec<DayFiles>> {
    let n_days = sim.n_days() as usize;
    let n_threads = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 4);
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<DayFiles>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..n_threads.min(n_days))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let day = next.fetch_add(1, Ordering::Relaxed);
                        if day >= n_days {
                            return done;
                        }
                        done.push((day, sim.write_day(day as u32, dir)));
                    }
                })
            })
            .collect();
        // A worker only panics if writing panics, which is a bug: pass it on.
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    results.sort_by_key(|(day, _)| *day);
    results.into_iter().map(|(_, r)| r).collect()
}
