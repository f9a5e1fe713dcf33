//! Writing the page to disk, atomically.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::model::ReportInput;

/// The name of the page inside the output directory.
pub const INDEX_FILE: &str = "index.html";

/// Renders `input` and writes it to `out_dir/index.html`, returning that path.
///
/// The directory is created if needed. The page is written to a temporary
/// file in the same directory, flushed to disk and renamed over the old page,
/// so a reader never sees a half-written report.
///
/// # Errors
///
/// Any error of [`crate::render_html`], and [`Error::Io`] naming the path
/// when the directory or the file cannot be written.
pub fn write_report(input: &ReportInput, out_dir: &Path) -> Result<PathBuf> {
    let html = crate::render_html(input)?;
    fs::create_dir_all(out_dir).map_err(|source| Error::Io { path: out_dir.to_owned(), source })?;
    let path = out_dir.join(INDEX_FILE);
    write_atomic(&path, html.as_bytes())?;
    Ok(path)
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy());
    // Process id and a counter keep concurrent writers (threads included) apart.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };

    let written = File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(source) = written {
        // The temporary file is ours and useless now; a failure to remove it
        // changes nothing for the caller, who gets the original error.
        let _ = fs::remove_file(&tmp);
        return Err(io(path)(source));
    }

    // Make the rename itself durable where directories can be synced.
    #[cfg(unix)]
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))?;
    Ok(())
}
