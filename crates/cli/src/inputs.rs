//! Expanding the `CAPTURES` arguments into a list of files.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
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
    dedup(&mut files);
    Ok(files)
}

/// What makes two paths the same file: its device and inode where the
/// platform has them (symbolic and hard links, `a/./b`, `a/../a/b`), else
/// its canonical path.
#[derive(Debug, PartialEq, Eq, Hash)]
enum FileKey {
    Inode(u64, u64),
    Path(PathBuf),
}

fn file_key(path: &Path) -> FileKey {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(path) {
            return FileKey::Inode(m.dev(), m.ino());
        }
    }
    FileKey::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()))
}

/// Keeps the first of several paths to the same file (two arguments, a
/// link, a folder and a file in it), with a warning for each other one.
fn dedup(files: &mut Vec<PathBuf>) {
    let mut seen = HashMap::new();
    files.retain(|f| match seen.entry(file_key(f)) {
        Entry::Vacant(v) => {
            v.insert(f.clone());
            true
        }
        Entry::Occupied(o) => {
            warn!(
                "{}: the same file as {}, given more than once; read once",
                f.display(),
                o.get().display()
            );
            false
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_dotted_paths_to_one_file_are_read_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let a = dir.join("a.pcap");
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(dir.join("b.pcap"), b"y").unwrap();
        std::fs::hard_link(&a, dir.join("hard.pcap")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&a, dir.join("soft.pcap")).unwrap();
        let d = dir.display();
        let args = [
            format!("{d}/a.pcap"),
            format!("{d}/./a.pcap"),
            format!("{d}/../{}/a.pcap", dir.file_name().unwrap().to_str().unwrap()),
            format!("{d}/hard.pcap"),
            format!("{d}/soft.pcap"),
            format!("{d}"),
        ];
        let files = expand(&args).unwrap();
        assert_eq!(files, vec![a, dir.join("b.pcap")]);
    }
}
