//! Machine-readable outputs of a day: JSON and CSV files.
//!
//! - `<out>/days/<day>.json`: the [`DayResult`] (schema in `docs/OUTPUT.md`);
//! - `<out>/days/<day>.senders.csv`: one row per active sender, with the
//!   header `address,day,cluster,lineage,packets,label` (`cluster` is `-1`
//!   and `lineage` empty for noise).
//!
//! Both are written atomically.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::result::DayResult;
use crate::state::write_atomic;

/// Which files [`write_day`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    /// The day's JSON record.
    pub json: bool,
    /// The per-sender CSV.
    pub csv: bool,
}

impl Default for Formats {
    fn default() -> Self {
        Self { json: true, csv: true }
    }
}

/// Path of a day's JSON record under `out`.
#[must_use]
pub fn json_path(out: &Path, day: &str) -> PathBuf {
    out.join("days").join(format!("{day}.json"))
}

/// Path of a day's per-sender CSV under `out`.
#[must_use]
pub fn csv_path(out: &Path, day: &str) -> PathBuf {
    out.join("days").join(format!("{day}.senders.csv"))
}

/// Writes the selected files of one day under `out`; returns their paths.
///
/// # Errors
///
/// [`Error::Io`], [`Error::Json`] or [`Error::Csv`] naming the file that
/// could not be written.
pub fn write_day(out: &Path, result: &DayResult, formats: Formats) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    if formats.json {
        let path = json_path(out, &result.day);
        let bytes = serde_json::to_vec_pretty(result)
            .map_err(|e| Error::Json { path: path.clone(), source: e })?;
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    if formats.csv {
        let path = csv_path(out, &result.day);
        write_atomic(&path, &senders_csv(result, &path)?)?;
        written.push(path);
    }
    Ok(written)
}

/// The per-sender CSV of a day, as bytes.
fn senders_csv(result: &DayResult, path: &Path) -> Result<Vec<u8>> {
    let csv_err = |e: csv::Error| Error::Csv { path: path.to_owned(), source: e };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["address", "day", "cluster", "lineage", "packets", "label"])
        .map_err(csv_err)?;
    for s in &result.senders {
        w.write_record([
            s.address.as_str(),
            result.day.as_str(),
            &s.cluster.to_string(),
            &s.lineage.map(|l| l.to_string()).unwrap_or_default(),
            &s.packets.to_string(),
            s.label.as_deref().unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| Error::io(path, e.into_error()))
}
