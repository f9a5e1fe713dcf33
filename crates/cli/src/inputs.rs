//! Expanding the `CAPTURES` arguments into a list of files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use darkdca::input::is_input_file;

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
    Ok(files)
}

/// Input files under `dir`, recursively.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if is_input_file(&p) {
            out.push(p);
        }
    }
    Ok(())
}
