//! Expanding the `CAPTURES` arguments into a list of files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use darkdca::input::is_input_file;
use tracing::warn;

/// Nothing to read: a pattern or folder matched no input file, or a path
/// does not exist (exit status 3).
#[derive(Debug)]
pub struct NoInput {
    /// The argument as given.
    pub arg: String,
}

impl std::fmt::Display for NoInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no capture or CSV file found at {:?}", self.arg)
    }
}

impl std::error::Error for NoInput {}

/// An input file that yields nothing usable (exit status 3).
#[derive(Debug)]
pub struct BadCapture(pub String);

impl std::fmt::Display for BadCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadCapture {}

/// Expands files, folders and glob patterns, in argument order; folders and
/// patterns are sorted by path. A file named explicitly is always kept; a
/// folder or a pattern keeps only files with a capture or CSV extension.
///
/// # Errors
///
/// [`NoInput`] when an argument yields no file, and glob syntax errors.
pub fn expand(args: &[String]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for arg in args {
        let before = files.len();
        let path = Path::new(arg);
        if path.is_file() {
            files.push(path.to_owned());
        } else if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found).with_context(|| format!("cannot list {arg}"))?;
            found.sort();
            files.extend(found);
        } else if arg.contains(['*', '?', '[']) {
            let mut found: Vec<PathBuf> = glob::glob(arg)
                .with_context(|| format!("bad glob pattern {arg:?}"))?
                .filter_map(std::result::Result::ok)
                .filter(|p| p.is_file() && is_input_file(p))
                .collect();
            found.sort();
            files.extend(found);
        }
        if files.len() == before {
            return Err(NoInput { arg: arg.clone() }.into());
        }
    }
    // The same file reached twice (two arguments, a symlink): read once.
    let mut seen = HashSet::new();
    files.retain(|f| {
        let key = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        let first = seen.insert(key);
        if !first {
            warn!("{}: the same file is given more than once; read once", f.display());
        }
        first
    });
    Ok(files)
}

/// Input files under `dir`, recursively. Symbolic links to folders are not
/// followed (they could loop); links to files are kept.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let p = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&p, out)?;
        } else if p.is_dir() {
            warn!("{}: symbolic link to a folder, not followed", p.display());
        } else if is_input_file(&p) {
            out.push(p);
        }
    }
    Ok(())
}
