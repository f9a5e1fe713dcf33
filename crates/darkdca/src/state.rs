//! The state directory: what a run keeps between days.
//!
//! Layout (format version [`STATE_FORMAT_VERSION`]):
//!
//! ```text
//! STATE/meta.json           run metadata: format version, configuration and
//!                           its hash, the generation, the processed days
//! STATE/model-<gen>.bin     the embedding model after the last day
//! STATE/tracker-<gen>.bin   the lineage tracker after the last day
//! STATE/clustered-<gen>.bin the senders ever in a cluster (novelty gate)
//! STATE/days/<day>.json     each day's result (the JSON of `DayResult`)
//! STATE/lock                pid of the run using the state ([`StateLock`])
//! ```
//!
//! `model-<gen>.bin` is absent while no day had a sender to embed
//! ([`RunMeta::has_model`] is then `false`).
//!
//! `clustered-<gen>.bin` is absent in states written before it existed
//! ([`RunMeta::has_clustered`] is then absent); opening such a state
//! rebuilds the set from `days/`, so the format version stays 1.
//!
//! Every file is written to a temporary file in the same directory, synced
//! and renamed over its target. A day is committed by writing the new
//! generation's model and tracker first and `meta.json` last, so an
//! interrupted save leaves the previous generation in force: `meta.json`
//! names the generation whose files exist. Older generations are removed
//! after the commit.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::result::DayResult;

/// Version of the state directory's layout and encodings.
pub const STATE_FORMAT_VERSION: u32 = 1;

/// Run metadata, `meta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// [`STATE_FORMAT_VERSION`] of the directory.
    pub format_version: u32,
    /// `darkdca <version>` that wrote the state last.
    pub tool_version: String,
    /// Name of the preset the configuration started from, if any.
    pub preset: Option<String>,
    /// Hash of the configuration ([`crate::CheckedConfig::hash`]).
    pub config_hash: String,
    /// The configuration of the run.
    pub config: Config,
    /// Generation of the model and tracker files in force (0 before the
    /// first day).
    pub generation: u64,
    /// The processed days, oldest first.
    pub days: Vec<DayEntry>,
    /// The inputs read by the run, as given (files, folders, globs).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Whether the generation in force has a `model-<gen>.bin`: `false`
    /// while every day so far had no sender to embed (no model yet), `None`
    /// in states written before this field existed (the model is then
    /// loaded when its file is present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_model: Option<bool>,
    /// Whether the generation in force has a `clustered-<gen>.bin` (the
    /// senders ever in a cluster, for the novelty known-share gate); `None`
    /// in states written before it existed, whose set is then rebuilt from
    /// the day results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_clustered: Option<bool>,
    /// Novelty candidates still waiting for confirmation
    /// (`tracking.novelty_confirm_batches`); absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub novelty_candidates: Vec<NoveltyCandidate>,
}

/// A cluster flagged novel whose lineage must survive more batches before
/// the flag is confirmed (see [`crate::result::NoveltyDecision`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoveltyCandidate {
    /// Lineage id of the flagged cluster.
    pub lineage: u64,
    /// Name of the batch that flagged it.
    pub flagged_day: String,
    /// Id of that batch.
    pub flagged_batch_id: u64,
    /// Batches survived since it was flagged.
    pub survived: u32,
}

/// One processed day in [`RunMeta::days`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    /// The day's label (file name of its result under `days/`).
    pub day: String,
    /// Its batch id.
    pub batch_id: u64,
    /// Packets in the batch.
    pub n_packets: u64,
    /// Distinct senders.
    pub n_senders: usize,
    /// Active senders.
    pub n_active: usize,
    /// Clusters found.
    pub n_clusters: usize,
    /// Clusters that emerged.
    pub n_emerged: usize,
    /// Novel clusters.
    pub n_novel: usize,
}

impl DayEntry {
    /// The entry summarising a day's result.
    #[must_use]
    pub fn of(r: &DayResult) -> Self {
        Self {
            day: r.day.clone(),
            batch_id: r.batch_id,
            n_packets: r.stats.n_packets,
            n_senders: r.stats.n_senders,
            n_active: r.stats.n_active,
            n_clusters: r.stats.n_clusters,
            n_emerged: r.emerged.len(),
            n_novel: r.novel.len(),
        }
    }
}

/// A state directory on disk.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

#[derive(Deserialize)]
struct VersionProbe {
    format_version: u32,
}

impl StateDir {
    /// The state directory at `root` (nothing is read or created yet).
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.root
    }

    fn meta_path(&self) -> PathBuf {
        self.root.join("meta.json")
    }

    fn blob_path(&self, name: &str, generation: u64) -> PathBuf {
        self.root.join(format!("{name}-{generation}.bin"))
    }

    fn day_path(&self, day: &str) -> PathBuf {
        self.root.join("days").join(format!("{day}.json"))
    }

    /// Whether the directory holds a state (has a `meta.json`).
    #[must_use]
    pub fn exists(&self) -> bool {
        self.meta_path().is_file()
    }

    /// Reads `meta.json`, checking the format version first.
    ///
    /// # Errors
    ///
    /// [`Error::NotAState`] when there is no `meta.json` (or the path is a
    /// file), [`Error::Io`] when it cannot be read, [`Error::StateVersion`]
    /// for another format version, [`Error::CorruptState`] when it cannot
    /// be decoded.
    pub fn read_meta(&self) -> Result<RunMeta> {
        if self.root.exists() && !self.root.is_dir() {
            return Err(Error::NotAState {
                path: self.root.clone(),
                reason: "a file, not a directory".into(),
            });
        }
        let path = self.meta_path();
        let text = fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotAState {
                path: self.root.clone(),
                reason: if self.root.is_dir() {
                    "no meta.json in it".into()
                } else {
                    "no such directory".into()
                },
            },
            _ => Error::io(&path, e),
        })?;
        let corrupt = |e: serde_json::Error| Error::CorruptState {
            path: path.clone(),
            reason: e.to_string(),
        };
        let probe: VersionProbe = serde_json::from_str(&text).map_err(corrupt)?;
        if probe.format_version != STATE_FORMAT_VERSION {
            return Err(Error::StateVersion {
                path: self.root.clone(),
                found: probe.format_version,
                expected: STATE_FORMAT_VERSION,
            });
        }
        serde_json::from_str(&text).map_err(corrupt)
    }

    /// Writes the blob `name` of `generation` (e.g. the model).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory cannot be created or written.
    pub fn write_blob(&self, name: &str, generation: u64, bytes: &[u8]) -> Result<()> {
        write_atomic(&self.blob_path(name, generation), bytes)
    }

    /// Reads the blob `name` of `generation`.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptState`] when it is missing, [`Error::Io`] when it
    /// cannot be read.
    pub fn read_blob(&self, name: &str, generation: u64) -> Result<Vec<u8>> {
        let path = self.blob_path(name, generation);
        match fs::read(&path) {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(Error::CorruptState { path, reason: "file is missing".into() })
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Writes one day's result under `days/`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] or [`Error::Json`] when it cannot be written.
    pub fn write_day(&self, result: &DayResult) -> Result<()> {
        let path = self.day_path(&result.day);
        let bytes = serde_json::to_vec(result)
            .map_err(|e| Error::Json { path: path.clone(), source: e })?;
        write_atomic(&path, &bytes)
    }

    /// Reads one day's result.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when it cannot be read, [`Error::CorruptState`] when
    /// it cannot be decoded.
    pub fn read_day(&self, day: &str) -> Result<DayResult> {
        let path = self.day_path(day);
        let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::CorruptState { path, reason: e.to_string() })
    }

    /// Commits `meta` (whose generation's blobs must already be written),
    /// then removes the blobs of older generations.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] or [`Error::Json`] when `meta.json` cannot be written.
    pub fn commit(&self, meta: &RunMeta) -> Result<()> {
        let path = self.meta_path();
        let bytes = serde_json::to_vec_pretty(meta)
            .map_err(|e| Error::Json { path: path.clone(), source: e })?;
        write_atomic(&path, &bytes)?;
        self.remove_stale_blobs(meta.generation);
        Ok(())
    }

    /// Best-effort removal of blobs of other generations (left over by an
    /// interrupted save or superseded by a commit).
    fn remove_stale_blobs(&self, keep: u64) {
        let Ok(entries) = fs::read_dir(&self.root) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(stem) = name.strip_suffix(".bin") else { continue };
            let Some((_, generation)) = stem.rsplit_once('-') else { continue };
            if generation.parse::<u64>().is_ok_and(|g| g != keep) {
                // A leftover file only costs disk space; ignore failures.
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// An exclusive lock on a state directory: the file `lock` holding the
/// owner's process id, created with `create_new` and removed on drop.
///
/// A lock left by a process that no longer runs (checked through
/// `/proc/<pid>` on Linux) is taken over with a warning; elsewhere a stale
/// lock must be removed by hand.
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
}

impl StateLock {
    /// Takes the lock of the state directory `dir`, creating the directory
    /// if needed.
    ///
    /// # Errors
    ///
    /// [`Error::StateInUse`] when a running process holds it,
    /// [`Error::NotAState`] when `dir` is a file, [`Error::Io`]
    /// when the directory or the lock file cannot be created.
    pub fn acquire(dir: &Path) -> Result<Self> {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::NotAState {
                path: dir.to_owned(),
                reason: "a file, not a directory".into(),
            });
        }
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join("lock");
        for _ in 0..2 {
            match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(format!("{}\n", std::process::id()).as_bytes())
                        .and_then(|()| f.sync_all())
                        .map_err(|e| Error::io(&path, e))?;
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid = fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok())
                        .unwrap_or(0);
                    if !is_stale(pid) {
                        return Err(Error::StateInUse { path: dir.to_owned(), pid });
                    }
                    tracing::warn!(
                        "{}: taking over a stale lock of pid {pid}, which no longer runs",
                        dir.display()
                    );
                    fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                }
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::StateInUse { path: dir.to_owned(), pid: 0 })
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Nothing to do about a failure while unwinding or exiting.
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether the lock of `pid` was left by a process that no longer runs.
fn is_stale(pid: u32) -> bool {
    if pid == 0 || !Path::new("/proc/self").exists() {
        return false;
    }
    !Path::new(&format!("/proc/{pid}")).exists()
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, synced, then renamed over `path`.
///
/// # Errors
///
/// [`Error::Io`] naming the file that could not be created, written or
/// renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })?;
    // Make the rename durable; directories cannot be synced everywhere,
    // and a failure here does not undo the write.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(generation: u64) -> RunMeta {
        RunMeta {
            format_version: STATE_FORMAT_VERSION,
            tool_version: "darkdca test".into(),
            preset: Some("paper".into()),
            config_hash: "0".into(),
            config: Config::default(),
            generation,
            days: Vec::new(),
            sources: Vec::new(),
            has_model: Some(false),
            has_clustered: None,
            novelty_candidates: Vec::new(),
        }
    }

    #[test]
    fn commit_keeps_only_the_committed_generation() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path());
        assert!(!s.exists());
        s.write_blob("model", 1, b"one").unwrap();
        s.commit(&meta(1)).unwrap();
        s.write_blob("model", 2, b"two").unwrap();
        // Before the commit, generation 1 is still in force.
        assert_eq!(s.read_meta().unwrap().generation, 1);
        assert_eq!(s.read_blob("model", 1).unwrap(), b"one");
        s.commit(&meta(2)).unwrap();
        assert_eq!(s.read_blob("model", 2).unwrap(), b"two");
        assert!(matches!(s.read_blob("model", 1), Err(Error::CorruptState { .. })));
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn another_format_version_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("meta.json"), "{\"format_version\": 99}").unwrap();
        let err = StateDir::new(dir.path()).read_meta().unwrap_err();
        assert!(matches!(
            err,
            Error::StateVersion { found: 99, expected: STATE_FORMAT_VERSION, .. }
        ));
    }

    #[test]
    fn garbage_meta_is_corrupt_state() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("meta.json"), "{not json").unwrap();
        let err = StateDir::new(dir.path()).read_meta().unwrap_err();
        assert!(matches!(err, Error::CorruptState { .. }));
    }
}
