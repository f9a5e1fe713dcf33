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
//! rebuilds the set from `days/`.
//!
//! Every `.bin` file starts with a header: an 8-byte magic (`DDCSTATE` for
//! the tracker and the clustered senders, `DDCW2VM\0` for the model, see
//! the word2vec crate), the file's format version (`u32` little-endian),
//! the payload length (`u64` LE) and a 64-bit checksum of the payload
//! (`u64` LE), then the payload, encoded with bincode 2. A file whose
//! header, length or checksum does not agree with its content is refused
//! as corrupt ([`Error::CorruptState`] naming the file). States of format
//! version 1 (written before the tracker and clustered files had a header)
//! are still read: their files are taken as bare payloads, and the next
//! committed day rewrites them with headers (format version 2). Each
//! day's JSON stays plain JSON; its checksum is kept in `meta.json`
//! ([`DayEntry::checksum`]) and checked by [`StateDir::read_day_of`].
//! `meta.json` carries its own checksum too (key `checksum`, over its
//! compact JSON without that key), checked by [`StateDir::read_meta`];
//! files written before it existed have none and are read as they are.
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

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::{CheckedConfig, Config, Preset};
use crate::error::{Error, Result};
use crate::result::DayResult;
use crate::trace::Addr;
use crate::word2vec;

/// Version of the state directory's layout and encodings that this build
/// writes. Version 1 (no header on `tracker-<gen>.bin` and
/// `clustered-<gen>.bin`) and version 2 (no novelty wait, so no
/// `silent_since` nor `tracking.novelty_wait_inactive` or
/// `novelty_confirm_silhouette` in `meta.json`), version 3 (no
/// `clustering.new_cluster_min_probability`) and version 4 (no
/// `trace.telescope`) are still read ([`OLDEST_READABLE_FORMAT`]); builds
/// that write an older version refuse a newer state by its number instead
/// of failing on fields they do not know.
pub const STATE_FORMAT_VERSION: u32 = 5;

/// The oldest state format version this build reads.
pub const OLDEST_READABLE_FORMAT: u32 = 1;

/// First bytes of every `tracker-<gen>.bin` and `clustered-<gen>.bin`.
pub const BLOB_MAGIC: [u8; 8] = *b"DDCSTATE";

/// Format version of the header of `tracker-<gen>.bin` and
/// `clustered-<gen>.bin` files.
pub const BLOB_FORMAT_VERSION: u32 = 1;

/// Magic, version, payload length, checksum.
const BLOB_HEADER_LEN: usize = 8 + 4 + 8 + 8;

/// The blobs of a generation, `<name>-<gen>.bin`: the only `.bin` files
/// darkdca writes into a state, and the only ones a commit removes.
pub const BLOB_NAMES: [&str; 3] = ["model", "tracker", "clustered"];

/// The name of [`StateLock`]'s file in the state directory.
const LOCK_FILE: &str = "lock";

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
    /// Id of the batch in which its group fell silent (its lineage went
    /// inactive), while the candidate waits for the group to return
    /// (`tracking.novelty_wait_inactive`); absent when it is not waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silent_since: Option<u64>,
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
    /// Checksum of `days/<day>.json` as written (16 hex digits, the same
    /// 64-bit checksum as the `.bin` files), checked when the day is read
    /// back ([`StateDir::read_day_of`]); absent in states written before
    /// it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
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
            checksum: day_json(r).ok().map(|b| format!("{:016x}", blob_checksum(&b))),
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

    /// Checks that a new state may be made here: the directory does not
    /// exist, or holds nothing but what a run that never committed leaves
    /// behind. Such a run took the lock, then died before `meta.json` was
    /// first written (it is written before anything else, see
    /// [`crate::Pipeline::create`]): only `lock` and the temporary files
    /// of [`write_atomic`] can be there. Anything else (a state whose
    /// `meta.json` was lost, the user's own files) would be mixed with the
    /// new state, and its blobs removed by the first commit.
    ///
    /// # Errors
    ///
    /// [`Error::NotAState`] naming what the directory holds,
    /// [`Error::Io`] when it cannot be listed.
    pub fn check_fresh(&self) -> Result<()> {
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(&self.root, e)),
        };
        let mut foreign = Vec::new();
        for entry in entries {
            let name = entry.map_err(|e| Error::io(&self.root, e))?.file_name();
            let name = name.to_string_lossy();
            if name != LOCK_FILE && !is_temp_name(&name) {
                foreign.push(name.into_owned());
            }
        }
        if foreign.is_empty() {
            return Ok(());
        }
        // darkdca's own names first: they tell a state that lost its
        // meta.json.
        let ours = |n: &str| n == "days" || blob_generation(n).is_some();
        foreign.sort_by(|a, b| ours(b).cmp(&ours(a)).then_with(|| a.cmp(b)));
        let more = match foreign.len() {
            1 => String::new(),
            2 => " and 1 more file".to_owned(),
            n => format!(" and {} more files", n - 1),
        };
        Err(Error::NotAState {
            path: self.root.clone(),
            reason: format!(
                "it has no meta.json but holds {}{more}; restore meta.json, or give an empty \
                 or new folder",
                foreign[0]
            ),
        })
    }

    /// Reads `meta.json`, checking the format version first.
    ///
    /// # Errors
    ///
    /// [`Error::NotAState`] when there is no `meta.json` (or the path is a
    /// file), [`Error::Io`] when it cannot be read, [`Error::StateVersion`]
    /// for a format version this build does not read,
    /// [`Error::CorruptState`] when it is not UTF-8 text or cannot be
    /// decoded.
    pub fn read_meta(&self) -> Result<RunMeta> {
        if self.root.exists() && !self.root.is_dir() {
            return Err(Error::NotAState {
                path: self.root.clone(),
                reason: "a file, not a directory".into(),
            });
        }
        let path = self.meta_path();
        let bytes = fs::read(&path).map_err(|e| match e.kind() {
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
        let text = std::str::from_utf8(&bytes).map_err(|e| Error::CorruptState {
            path: path.clone(),
            reason: format!("not UTF-8 text (invalid byte at offset {})", e.valid_up_to()),
        })?;
        let corrupt = |e: serde_json::Error| Error::CorruptState {
            path: path.clone(),
            reason: format!("not valid run metadata: {e}"),
        };
        let probe: VersionProbe = serde_json::from_str(text).map_err(corrupt)?;
        if !(OLDEST_READABLE_FORMAT..=STATE_FORMAT_VERSION).contains(&probe.format_version) {
            return Err(Error::StateVersion {
                path: self.root.clone(),
                found: probe.format_version,
                expected: STATE_FORMAT_VERSION,
            });
        }
        let mut value: serde_json::Value = serde_json::from_str(text).map_err(corrupt)?;
        // Written by commits since the checksum exists; older files have none.
        let recorded = value.as_object_mut().and_then(|o| o.remove(META_CHECKSUM_KEY));
        if let Some(recorded) = recorded {
            let got = meta_checksum(&value);
            if recorded.as_str() != Some(got.as_str()) {
                return Err(Error::CorruptState {
                    path,
                    reason: format!(
                        "checksum mismatch: the file records {recorded}, its content gives \"{got}\" \
                         (edited or damaged)"
                    ),
                });
            }
        }
        // A value's error has no line and column: name the field instead.
        serde_path_to_error::deserialize(value).map_err(|e| Error::CorruptState {
            reason: format!("not valid run metadata: field `{}`: {}", e.path(), e.inner()),
            path,
        })
    }

    /// Writes the blob `name` of `generation` (e.g. the tracker), behind a
    /// header with [`BLOB_MAGIC`], [`BLOB_FORMAT_VERSION`], the length and
    /// the checksum of `payload`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory cannot be created or written.
    pub fn write_blob(&self, name: &str, generation: u64, payload: &[u8]) -> Result<()> {
        let mut bytes = Vec::with_capacity(BLOB_HEADER_LEN + payload.len());
        bytes.extend_from_slice(&BLOB_MAGIC);
        bytes.extend_from_slice(&BLOB_FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&blob_checksum(payload).to_le_bytes());
        bytes.extend_from_slice(payload);
        write_atomic(&self.blob_path(name, generation), &bytes)
    }

    /// Reads the blob `name` of the generation `meta` names, checks its
    /// header and returns its payload. In a state of format version 1 the
    /// file has no header and is returned whole.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptState`] naming the file when it is missing, has a
    /// bad magic, another header version, a length that disagrees with the
    /// file or a checksum mismatch; [`Error::Io`] when it cannot be read.
    pub fn read_blob(&self, meta: &RunMeta, name: &str) -> Result<Vec<u8>> {
        let path = self.blob_path(name, meta.generation);
        let bytes = read_state_file(&path)?;
        if meta.format_version < 2 {
            return Ok(bytes);
        }
        match check_blob(&bytes) {
            Ok(range) => Ok(bytes[range].to_vec()),
            Err(reason) => Err(Error::CorruptState { path, reason }),
        }
    }

    /// Reads and decodes the blob `name` of the generation `meta` names
    /// ([`StateDir::read_blob`]); `what` names its content in messages
    /// (e.g. `the tracker`).
    ///
    /// # Errors
    ///
    /// Those of [`StateDir::read_blob`], and [`Error::CorruptState`] when
    /// the payload does not decode as a `T` or has bytes left over.
    pub fn decode_blob<T: DeserializeOwned>(
        &self,
        meta: &RunMeta,
        name: &str,
        what: &str,
    ) -> Result<T> {
        let bytes = self.read_blob(meta, name)?;
        let path = self.blob_path(name, meta.generation);
        match bincode::serde::decode_from_slice(&bytes, bincode::config::standard()) {
            Ok((value, used)) if used == bytes.len() => Ok(value),
            Ok((_, used)) => Err(Error::CorruptState {
                path,
                reason: format!("{} bytes are left over after {what}", bytes.len() - used),
            }),
            Err(e) => {
                Err(Error::CorruptState { path, reason: decode_reason(&e, bytes.len(), what) })
            }
        }
    }

    /// Loads the embedding model of `generation` (`model-<gen>.bin`).
    ///
    /// # Errors
    ///
    /// [`Error::CorruptState`] naming the file when it is missing, damaged
    /// or not a model, the reason keeping the operating system's message;
    /// [`Error::Io`] when it cannot be read for another reason.
    pub fn load_model(&self, generation: u64) -> Result<word2vec::Model<Addr>> {
        let path = self.blob_path("model", generation);
        word2vec::Model::load(&path).map_err(|e| match e {
            word2vec::Error::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => {
                    Error::CorruptState { path, reason: format!("file is missing ({source})") }
                }
                _ => Error::io(path, source),
            },
            word2vec::Error::Decode { source, .. } => {
                let size = fs::metadata(&path).map_or(0, |m| m.len());
                let reason =
                    decode_reason(&source, usize::try_from(size).unwrap_or(0), "the model");
                Error::CorruptState { path, reason }
            }
            // These name the file themselves; the error names it already.
            word2vec::Error::BadMagic { .. } => Error::CorruptState {
                path,
                reason: "not a model file: it does not start with the model's magic number \
                         (damaged, or not written by darkdca)"
                    .into(),
            },
            word2vec::Error::UnsupportedVersion { found, expected, .. } => Error::CorruptState {
                path,
                reason: format!(
                    "model format version {found}, this build reads version {expected} \
                     (damaged, or written by another darkdca version)"
                ),
            },
            word2vec::Error::Truncated { found, expected, .. } => Error::CorruptState {
                path,
                reason: format!("truncated: {found} of {expected} bytes present"),
            },
            word2vec::Error::Corrupt { .. } => Error::CorruptState {
                path,
                reason: "checksum mismatch: the content was changed or damaged after it was \
                         written"
                    .into(),
            },
            word2vec::Error::Inconsistent { what, .. } => {
                Error::CorruptState { path, reason: format!("the model is inconsistent: {what}") }
            }
            e => Error::CorruptState { path, reason: crate::error::chain_text(&e) },
        })
    }

    /// Writes one day's result under `days/`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] or [`Error::Json`] when it cannot be written.
    pub fn write_day(&self, result: &DayResult) -> Result<()> {
        let path = self.day_path(&result.day);
        let bytes = day_json(result).map_err(|e| Error::Json { path: path.clone(), source: e })?;
        write_atomic(&path, &bytes)
    }

    /// Reads one day's result.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptState`] when it is missing or cannot be decoded,
    /// [`Error::Io`] when it cannot be read.
    pub fn read_day(&self, day: &str) -> Result<DayResult> {
        let path = self.day_path(day);
        let bytes = read_state_file(&path)?;
        serde_json::from_slice(&bytes).map_err(|e| Error::CorruptState {
            path,
            reason: format!("not a valid day result: {e}"),
        })
    }

    /// Reads the result of the day `entry` describes, checking it against
    /// the entry's checksum when it has one.
    ///
    /// # Errors
    ///
    /// Those of [`StateDir::read_day`], and [`Error::CorruptState`] naming
    /// the file on a checksum mismatch.
    pub fn read_day_of(&self, entry: &DayEntry) -> Result<DayResult> {
        let bytes = self.checked_day_bytes(entry)?;
        serde_json::from_slice(&bytes).map_err(|e| Error::CorruptState {
            path: self.day_path(&entry.day),
            reason: format!("not a valid day result: {e}"),
        })
    }

    /// Checks that the result of every day `meta` lists is there as it
    /// was written: its checksum when the entry has one, else that it
    /// decodes (states written before the checksum existed).
    ///
    /// # Errors
    ///
    /// Those of [`StateDir::read_day_of`], for the first day that fails.
    pub fn check_days(&self, meta: &RunMeta) -> Result<()> {
        for entry in &meta.days {
            if entry.checksum.is_some() {
                self.checked_day_bytes(entry)?;
            } else {
                self.read_day_of(entry)?;
            }
        }
        Ok(())
    }

    /// The bytes of the day `entry` describes, checked against the entry's
    /// checksum when it has one.
    fn checked_day_bytes(&self, entry: &DayEntry) -> Result<Vec<u8>> {
        let path = self.day_path(&entry.day);
        let bytes = read_state_file(&path)?;
        if let Some(want) = &entry.checksum {
            let got = format!("{:016x}", blob_checksum(&bytes));
            if &got != want {
                return Err(Error::CorruptState {
                    path,
                    reason: format!(
                        "checksum mismatch: meta.json records {want}, the file has {got}; \
                         it was changed or damaged after it was written"
                    ),
                });
            }
        }
        Ok(bytes)
    }

    /// Commits `meta` (whose generation's blobs must already be written),
    /// then removes the blobs of older generations.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] or [`Error::Json`] when `meta.json` cannot be written.
    pub fn commit(&self, meta: &RunMeta) -> Result<()> {
        let path = self.meta_path();
        let json = |e| Error::Json { path: path.clone(), source: e };
        let mut value = serde_json::to_value(meta).map_err(json)?;
        let checksum = meta_checksum(&value);
        if let Some(o) = value.as_object_mut() {
            o.insert(META_CHECKSUM_KEY.to_owned(), checksum.into());
        }
        let bytes = serde_json::to_vec_pretty(&value).map_err(json)?;
        write_atomic(&path, &bytes)?;
        self.remove_stale_blobs(meta.generation);
        Ok(())
    }

    /// Best-effort removal of blobs of other generations (left over by an
    /// interrupted save or superseded by a commit). Only the names darkdca
    /// writes ([`BLOB_NAMES`]) are touched: other files in the directory
    /// stay, whatever their name.
    fn remove_stale_blobs(&self, keep: u64) {
        let Ok(entries) = fs::read_dir(&self.root) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(generation) = blob_generation(name) else { continue };
            if generation != keep && entry.path().is_file() {
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
        // `create_dir_all` would answer "File exists" for a dangling link.
        if !dir.exists()
            && let Ok(target) = fs::read_link(dir)
        {
            return Err(Error::NotAState {
                path: dir.to_owned(),
                reason: format!(
                    "a symbolic link to {}, which does not exist; create that folder or give \
                     another --state",
                    target.display()
                ),
            });
        }
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let mut pid = 0;
        for _ in 0..2 {
            match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(format!("{}\n", std::process::id()).as_bytes())
                        .and_then(|()| f.sync_all())
                        .map_err(|e| Error::io(&path, e))?;
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    pid = lock_owner(&path)?;
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
        // Taken over twice, and each time another run took it first.
        Err(Error::StateInUse { path: dir.to_owned(), pid })
    }
}

/// The process id in the lock file at `path`.
///
/// # Errors
///
/// [`Error::CorruptState`] naming the file when it holds anything but a
/// process id, [`Error::Io`] when it cannot be read.
fn lock_owner(path: &Path) -> Result<u32> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    if let Ok(pid) = text.trim().parse::<u32>()
        && pid > 0
    {
        return Ok(pid);
    }
    let holds = if text.trim().is_empty() {
        // A run writes its pid just after creating the file.
        "no process id (a darkdca run may be starting, or one stopped while taking the lock)"
            .to_owned()
    } else {
        const SHOWN: usize = 40;
        let line = text.trim();
        let shown: String = line.chars().take(SHOWN).collect();
        let cut = if shown.len() < line.len() { "..." } else { "" };
        format!("{shown:?}{cut}, not the process id darkdca writes there")
    };
    Err(Error::CorruptState {
        path: path.to_owned(),
        reason: format!(
            "the lock file holds {holds}; if no darkdca run is using this state, remove {} \
             and run again",
            path.display()
        ),
    })
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

/// The settings that differ between the configuration `stored` in a state
/// and the one `given`, one `section.key (state: X, given: Y)` per
/// setting.
#[must_use]
pub fn config_differences(stored: &Config, given: &Config) -> Vec<String> {
    let (Some(a), Some(b)) = (config_value(stored), config_value(given)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    diff_values("", &a, &b, &mut out);
    out
}

/// `config` as JSON with every field shown: the fields left out of JSON
/// files and hashes at their off value are put back with the value
/// [`Config::to_toml_string`] writes for them (as `darkdca config` prints
/// them), so that a difference shows e.g. `0.0` rather than `unset`.
/// Optional fields left unset stay out (`unset`).
fn config_value(config: &Config) -> Option<serde_json::Value> {
    let mut value = serde_json::to_value(config).ok()?;
    let file: toml::Table = toml::from_str(&config.to_toml_string()).ok()?;
    for (section, keys) in file {
        let toml::Value::Table(keys) = keys else { continue };
        let Some(o) = value.get_mut(&section).and_then(serde_json::Value::as_object_mut) else {
            continue;
        };
        for (key, v) in keys {
            if !o.contains_key(&key)
                && let Ok(v) = serde_json::to_value(v)
            {
                o.insert(key, v);
            }
        }
    }
    Some(value)
}

fn diff_values(prefix: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let null = Value::Null;
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            for k in keys {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                diff_values(&path, x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null), out);
            }
        }
        (x, y) if x != y => {
            let show = |v: &Value| if v.is_null() { "unset".to_owned() } else { v.to_string() };
            out.push(format!("{prefix} (state: {}, given: {})", show(x), show(y)));
        }
        _ => {}
    }
}

/// The error for a state at `dir` made with the configuration `stored`
/// (from the preset `stored_preset`) when `given` (from `given_preset`) is
/// asked for.
#[must_use]
pub fn config_mismatch(
    dir: &Path,
    stored: &CheckedConfig,
    stored_preset: Option<Preset>,
    given: &CheckedConfig,
    given_preset: Option<Preset>,
) -> Error {
    Error::ConfigMismatch {
        path: dir.to_owned(),
        found: stored.hash(),
        expected: given.hash(),
        found_preset: stored_preset,
        expected_preset: given_preset,
        differences: config_differences(stored.get(), given.get()),
    }
}

/// The bytes of `days/<day>.json`.
fn day_json(r: &DayResult) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(r)
}

/// The generation of a blob's file name, `<name>-<gen>.bin` with a name
/// of [`BLOB_NAMES`]; `None` for any other name.
fn blob_generation(file_name: &str) -> Option<u64> {
    let (blob, generation) = file_name.strip_suffix(".bin")?.rsplit_once('-')?;
    // Digits only, as darkdca writes them: `u64::from_str` also takes a
    // leading `+`, and `model-03.bin` is a user's copy, not a generation.
    let digits = !generation.is_empty() && generation.bytes().all(|b| b.is_ascii_digit());
    let canonical = generation == "0" || !generation.starts_with('0');
    if BLOB_NAMES.contains(&blob) && digits && canonical { generation.parse().ok() } else { None }
}

/// Whether `name` is a temporary file of an atomic write: `.<file>.tmp-<pid>`
/// ([`write_atomic`]) or `.<file>.tmp.<pid>` (the word2vec crate's, for the
/// model).
fn is_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else { return false };
    let pid = rest.rsplit_once(".tmp-").or_else(|| rest.rsplit_once(".tmp.")).map(|(_, p)| p);
    pid.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads a state file; a missing one is [`Error::CorruptState`].
fn read_state_file(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::CorruptState { path: path.to_owned(), reason: format!("file is missing ({e})") }
        }
        _ => Error::io(path, e),
    })
}

/// Checks the header of a blob file; returns the payload's byte range, or
/// what is wrong in plain words.
fn check_blob(bytes: &[u8]) -> std::result::Result<std::ops::Range<usize>, String> {
    let n = bytes.len();
    let head = &bytes[..n.min(BLOB_MAGIC.len())];
    if head != &BLOB_MAGIC[..head.len()] {
        return Err("not a darkdca state file: it does not start with the DDCSTATE magic \
                    (damaged, or not written by darkdca)"
            .into());
    }
    if n < BLOB_HEADER_LEN {
        return Err(format!(
            "truncated: {n} bytes present, shorter than the {BLOB_HEADER_LEN}-byte header"
        ));
    }
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != BLOB_FORMAT_VERSION {
        return Err(format!(
            "file format version {version}, this build reads version {BLOB_FORMAT_VERSION} \
             (damaged, or written by another darkdca version)"
        ));
    }
    let (len, sum) = (word(12), word(20));
    let expected = (BLOB_HEADER_LEN as u64).saturating_add(len);
    if (n as u64) < expected {
        return Err(format!("truncated: {n} bytes present, the header announces {expected}"));
    }
    if (n as u64) > expected {
        return Err(format!(
            "{} bytes follow the {expected} the header announces",
            n as u64 - expected
        ));
    }
    let payload = BLOB_HEADER_LEN..n;
    if blob_checksum(&bytes[payload.clone()]) != sum {
        return Err(
            "checksum mismatch: the content was changed or damaged after it was written".into()
        );
    }
    Ok(payload)
}

/// 64-bit FNV-1a of `bytes`. Each step is a bijection of the running value
/// for a given byte, so any change of a single byte changes the result;
/// not cryptographic.
/// The key of `meta.json`'s own checksum.
const META_CHECKSUM_KEY: &str = "checksum";

/// The checksum of run metadata (without its checksum key): the blob
/// checksum of its compact JSON, in hex.
fn meta_checksum(value: &serde_json::Value) -> String {
    format!("{:016x}", blob_checksum(value.to_string().as_bytes()))
}

fn blob_checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Why a payload of `len` bytes does not decode as `what`, in plain words.
fn decode_reason(e: &bincode::error::DecodeError, len: usize, what: &str) -> String {
    use bincode::error::DecodeError as D;
    match e {
        D::UnexpectedEnd { .. } => {
            format!("truncated: the {len} bytes present end before {what} does")
        }
        D::Utf8 { .. } => format!("{what} holds text that is not valid UTF-8"),
        D::LimitExceeded | D::OutsideUsizeRange(_) => {
            format!("{what} announces a size too large to be real")
        }
        D::OtherString(m) => format!("the content is not {what}: {m}"),
        D::Other(m) => format!("the content is not {what}: {m}"),
        _ => format!(
            "the content is not {what}: a value of the wrong kind \
             (damaged, or written by another darkdca version)"
        ),
    }
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
        s.write_blob("tracker", 1, b"one").unwrap();
        s.commit(&meta(1)).unwrap();
        s.write_blob("tracker", 2, b"two").unwrap();
        // Before the commit, generation 1 is still in force.
        assert_eq!(s.read_meta().unwrap().generation, 1);
        assert_eq!(s.read_blob(&meta(1), "tracker").unwrap(), b"one");
        s.commit(&meta(2)).unwrap();
        assert_eq!(s.read_blob(&meta(2), "tracker").unwrap(), b"two");
        assert!(matches!(s.read_blob(&meta(1), "tracker"), Err(Error::CorruptState { .. })));
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_commit_removes_only_the_blobs_darkdca_writes() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path());
        let theirs =
            ["archive-2024.bin", "notes-3.bin", "tracker-x.bin", "model-+2.bin", "model-03.bin"];
        for name in theirs {
            fs::write(dir.path().join(name), name).unwrap();
        }
        for name in BLOB_NAMES {
            s.write_blob(name, 1, b"old").unwrap();
            s.write_blob(name, 2, b"new").unwrap();
        }
        s.commit(&meta(2)).unwrap();
        for name in theirs {
            assert_eq!(fs::read_to_string(dir.path().join(name)).unwrap(), name);
        }
        for name in BLOB_NAMES {
            assert!(!dir.path().join(format!("{name}-1.bin")).exists(), "{name}-1.bin");
            assert!(dir.path().join(format!("{name}-2.bin")).is_file(), "{name}-2.bin");
        }
    }

    #[test]
    fn a_folder_without_meta_json_is_new_only_if_a_failed_run_could_have_left_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path().join("state"));
        s.check_fresh().unwrap();
        fs::create_dir(s.path()).unwrap();
        s.check_fresh().unwrap();
        for name in [LOCK_FILE, ".meta.json.tmp-4242", ".model-1.bin.tmp.4242"] {
            fs::write(s.path().join(name), "x").unwrap();
        }
        s.check_fresh().unwrap();
        for name in ["notes.txt", "archive-2024.bin", "model-7.bin", ".meta.json.tmp-"] {
            fs::write(s.path().join(name), "x").unwrap();
        }
        let err = s.check_fresh().unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::NotAState { .. }), "{msg}");
        assert!(msg.contains("no meta.json but holds model-7.bin and 3 more files"), "{msg}");
        assert!(msg.contains("restore meta.json"), "{msg}");
        // One file is named alone.
        let other = tempfile::tempdir().unwrap();
        fs::create_dir(other.path().join("days")).unwrap();
        let msg = StateDir::new(other.path()).check_fresh().unwrap_err().to_string();
        assert!(msg.contains("holds days;"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn a_state_that_is_a_dangling_link_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("state");
        std::os::unix::fs::symlink(dir.path().join("missing"), &link).unwrap();
        let err = StateLock::acquire(&link).unwrap_err();
        assert!(
            matches!(&err, Error::NotAState { reason, .. }
                if reason.contains("a symbolic link to") && reason.contains("missing")),
            "{err}"
        );
        assert!(!dir.path().join("missing").exists());
    }

    #[test]
    fn a_lock_file_without_a_process_id_is_named_with_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join(LOCK_FILE);
        for (content, shown) in [("hello\n", "\"hello\""), ("", "no process id"), ("0\n", "\"0\"")]
        {
            fs::write(&lock, content).unwrap();
            let err = StateLock::acquire(dir.path()).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(&err, Error::CorruptState { path, .. } if *path == lock),
                "{content:?}: {msg}"
            );
            assert!(msg.contains(shown) && !msg.contains("pid 0"), "{content:?}: {msg}");
            assert!(msg.contains(&format!("remove {}", lock.display())), "{msg}");
            // Left as it is, for the user to decide.
            assert_eq!(fs::read_to_string(&lock).unwrap(), content);
        }
        fs::remove_file(&lock).unwrap();
        let held = StateLock::acquire(dir.path()).unwrap();
        let err = StateLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(err, Error::StateInUse { pid, .. } if pid == std::process::id()), "{err}");
        drop(held);
    }

    #[test]
    fn a_damaged_model_is_named_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path());
        let path = dir.path().join("model-1.bin");
        let mut truncated = b"DDCW2VM\0".to_vec();
        truncated.extend_from_slice(&1u32.to_le_bytes());
        for (bytes, reason) in [
            (b"not a model".to_vec(), "magic number"),
            (truncated.clone(), "truncated"),
            ([truncated.as_slice(), &[0; 16]].concat(), "checksum mismatch"),
        ] {
            fs::write(&path, &bytes).unwrap();
            let msg = s.load_model(1).unwrap_err().to_string();
            assert_eq!(msg.matches("model-1.bin").count(), 1, "{msg}");
            assert!(msg.contains(reason), "{msg}");
        }
    }

    #[test]
    fn an_edited_meta_json_is_refused_and_one_without_checksum_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path());
        let mut m = meta(3);
        m.config.embedding.forget = 0.4;
        s.commit(&m).unwrap();
        assert_eq!(s.read_meta().unwrap(), m);
        let text = fs::read_to_string(s.meta_path()).unwrap();
        assert!(text.contains("\"checksum\""), "{text}");
        // Still valid JSON, but not what was committed.
        let edited = text.replace("\"has_model\": false", "\"has_model\": true");
        assert_ne!(edited, text);
        fs::write(s.meta_path(), &edited).unwrap();
        let err = s.read_meta().unwrap_err();
        assert!(
            matches!(&err, Error::CorruptState { reason, .. } if reason.contains("checksum")),
            "{err}"
        );
        // A file written before the checksum existed is read as it is.
        let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
        old.as_object_mut().unwrap().remove("checksum");
        fs::write(s.meta_path(), serde_json::to_vec_pretty(&old).unwrap()).unwrap();
        assert_eq!(s.read_meta().unwrap(), m);
        // In such a file, a value of the wrong type is named by its field.
        old["config"]["tracking"]["match_threshold"] = "high".into();
        fs::write(s.meta_path(), serde_json::to_vec_pretty(&old).unwrap()).unwrap();
        let err = s.read_meta().unwrap_err();
        assert!(
            matches!(&err, Error::CorruptState { reason, path }
                if reason.contains("field `config.tracking.match_threshold`")
                    && reason.contains("invalid type")
                    && path.ends_with("meta.json")),
            "{err}"
        );
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

    fn reason(err: Error) -> String {
        match err {
            Error::CorruptState { path, reason } => {
                assert!(path.ends_with("tracker-1.bin"), "{}", path.display());
                reason
            }
            e => panic!("not a corrupt state: {e}"),
        }
    }

    #[test]
    fn every_damage_to_a_blob_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path());
        let payload: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        s.write_blob("tracker", 1, &payload).unwrap();
        let path = dir.path().join("tracker-1.bin");
        let good = fs::read(&path).unwrap();
        assert_eq!(good.len(), BLOB_HEADER_LEN + payload.len());
        assert_eq!(s.read_blob(&meta(1), "tracker").unwrap(), payload);
        // Every bit of the header, and a bit of every 13th payload byte.
        let spots = (0..BLOB_HEADER_LEN * 8)
            .map(|b| (b / 8, 1u8 << (b % 8)))
            .chain((BLOB_HEADER_LEN..good.len()).step_by(13).map(|i| (i, 0x10)));
        for (at, bit) in spots {
            let mut bad = good.clone();
            bad[at] ^= bit;
            fs::write(&path, &bad).unwrap();
            let err = s.read_blob(&meta(1), "tracker").expect_err(&format!("byte {at}"));
            let r = reason(err);
            assert!(!r.contains('{'), "debug text: {r}");
        }
        fs::write(&path, &good[..good.len() - 1]).unwrap();
        assert!(reason(s.read_blob(&meta(1), "tracker").unwrap_err()).contains("truncated"));
        fs::write(&path, &good[..10]).unwrap();
        assert!(reason(s.read_blob(&meta(1), "tracker").unwrap_err()).contains("truncated"));
        let mut long = good.clone();
        long.push(0);
        fs::write(&path, &long).unwrap();
        assert!(reason(s.read_blob(&meta(1), "tracker").unwrap_err()).contains("follow"));
        let mut version = good.clone();
        version[8] = 9;
        fs::write(&path, &version).unwrap();
        assert!(reason(s.read_blob(&meta(1), "tracker").unwrap_err()).contains("version 9"));
    }

    #[test]
    fn format_1_blobs_are_read_bare() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path());
        let value: Vec<u64> = vec![3, 1, 4, 1, 5];
        let bare = bincode::serde::encode_to_vec(&value, bincode::config::standard()).unwrap();
        fs::write(dir.path().join("tracker-1.bin"), &bare).unwrap();
        let mut old = meta(1);
        old.format_version = 1;
        let back: Vec<u64> = s.decode_blob(&old, "tracker", "the list").unwrap();
        assert_eq!(back, value);
        // The same file in a format 2 state lacks its header.
        let r = reason(s.decode_blob::<Vec<u64>>(&meta(1), "tracker", "the list").unwrap_err());
        assert!(r.contains("magic"), "{r}");
        // Undecodable bare payloads are described in words.
        fs::write(dir.path().join("tracker-1.bin"), [0xfc_u8, 1, 2]).unwrap();
        let r = reason(s.decode_blob::<Vec<u64>>(&old, "tracker", "the list").unwrap_err());
        assert!(r.contains("truncated") && r.contains("the list"), "{r}");
        fs::write(dir.path().join("tracker-1.bin"), [5_u8, 1, 2, 3, 4, 5, 9, 9]).unwrap();
        let r = reason(s.decode_blob::<Vec<u64>>(&old, "tracker", "the list").unwrap_err());
        assert!(r.contains("left over"), "{r}");
    }

    #[test]
    fn versions_from_1_to_the_current_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path());
        let mut m = meta(0);
        for version in 1..=STATE_FORMAT_VERSION {
            m.format_version = version;
            s.commit(&m).unwrap();
            assert_eq!(s.read_meta().unwrap().format_version, version);
        }
        m.format_version = STATE_FORMAT_VERSION + 1;
        s.commit(&m).unwrap();
        let err = s.read_meta().unwrap_err();
        assert!(err.to_string().contains("newer darkdca"), "{err}");
    }

    #[test]
    fn meta_that_is_not_text_is_corrupt_state() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("meta.json"), b"{\"format_version\": \xff}").unwrap();
        let err = StateDir::new(dir.path()).read_meta().unwrap_err();
        assert!(matches!(&err, Error::CorruptState { .. }), "{err}");
        assert!(err.is_bad_input());
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }

    #[test]
    fn differences_name_each_setting() {
        let a = Config::preset(Preset::Paper);
        let mut b = a.clone();
        b.clustering.min_cluster_size = 12;
        b.embedding.max_sentence_len = Some(50);
        let mut d = config_differences(&a, &b);
        d.sort();
        assert_eq!(
            d,
            [
                "clustering.min_cluster_size (state: 10, given: 12)",
                "embedding.max_sentence_len (state: unset, given: 50)",
            ]
        );
        assert!(config_differences(&a, &a).is_empty());
        // Fields left out of files when off show their value, not `unset`.
        let mut c = a.clone();
        c.embedding.forget = 0.5;
        c.clustering.min_support = 0.25;
        c.clustering.new_cluster_min_probability = 0.5;
        c.tracking.novelty_confirm_batches = 2;
        c.tracking.novelty_wait_inactive = 3;
        c.tracking.novelty_confirm_silhouette = Some(0.5);
        let mut d = config_differences(&a, &c);
        d.sort();
        assert_eq!(
            d,
            [
                "clustering.min_support (state: 0.0, given: 0.25)",
                "clustering.new_cluster_min_probability (state: 0.0, given: 0.5)",
                "embedding.forget (state: 0.0, given: 0.5)",
                "tracking.novelty_confirm_batches (state: 0, given: 2)",
                "tracking.novelty_confirm_silhouette (state: 2.0, given: 0.5)",
                "tracking.novelty_wait_inactive (state: 0, given: 3)",
            ]
        );
        // Every field `config --state` writes is compared.
        let toml: toml::Table = toml::from_str(&a.to_toml_string()).unwrap();
        let json = config_value(&a).unwrap();
        for (section, keys) in &toml {
            let keys = keys.as_table().unwrap_or_else(|| panic!("{section} is not a section"));
            for key in keys.keys() {
                assert!(json[section].get(key).is_some(), "{section}.{key}");
            }
        }
        let err = config_mismatch(
            Path::new("st"),
            &a.check().unwrap(),
            Some(Preset::Paper),
            &b.check().unwrap(),
            None,
        );
        let msg = err.to_string();
        assert!(msg.contains("preset paper") && msg.contains("min_cluster_size"), "{msg}");
    }
}
