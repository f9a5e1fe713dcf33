//! Expanding the `CAPTURES` arguments into a list of files.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use darkdca::input::is_input_file;
use tracing::{debug, warn};

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

/// What a folder or a pattern does not yield although it looks like an
/// input: darkdca's own files, so that a run whose `--state` or `--out`
/// lies inside the capture folder reads the same files the next day.
#[derive(Debug, Default)]
pub struct Skip {
    /// The `--state` folder, canonical.
    state: Option<PathBuf>,
    /// The `--out` folder, canonical.
    out: Option<PathBuf>,
    /// The `--labels` files, canonical.
    labels: Vec<PathBuf>,
}

impl Skip {
    /// The state and output folders and the label files of a run; those
    /// that do not exist yet cannot be met.
    pub fn new(state: &Path, out: &Path, labels: &[PathBuf]) -> Self {
        let canonical = |p: &Path| std::fs::canonicalize(p).ok();
        Self {
            state: canonical(state),
            out: canonical(out),
            labels: labels.iter().filter_map(|p| canonical(p)).collect(),
        }
    }

    /// Why the folder or file `path` met below a capture folder is
    /// skipped, if it is: the state folder, the output folder (when it
    /// lies below the capture folder, not when it is that folder), a
    /// sender table the run wrote (`OUT/days/<day>.senders.csv`) or a
    /// label file.
    fn reason(&self, path: &Path, is_dir: bool) -> Option<&'static str> {
        if self.state.is_none() && self.out.is_none() && self.labels.is_empty() {
            return None;
        }
        let real = std::fs::canonicalize(path).ok()?;
        let is = |p: &Option<PathBuf>| p.as_deref() == Some(real.as_path());
        if is_dir {
            return if is(&self.state) {
                Some("the --state folder")
            } else if is(&self.out) {
                Some("the --out folder")
            } else {
                None
            };
        }
        if self.labels.contains(&real) {
            return Some("a --labels file");
        }
        if self.state.as_ref().is_some_and(|s| real.starts_with(s)) {
            return Some("inside the --state folder");
        }
        let in_out_days = self.out.as_ref().is_some_and(|o| real.parent() == Some(&o.join("days")));
        let name = real.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        (in_out_days && name.ends_with(".senders.csv")).then_some("an output of --out")
    }
}

/// Expands files, folders and glob patterns, in argument order; folders and
/// patterns are sorted by path. A file named explicitly is always kept; a
/// folder (searched recursively) or a pattern keeps only files with a
/// capture or CSV extension, and leaves out what `skip` names.
///
/// # Errors
///
/// [`NoInput`] when an argument yields no file, and glob syntax errors.
pub fn expand(args: &[String], skip: &Skip) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for arg in args {
        let before = files.len();
        let path = Path::new(arg);
        if path.is_file() {
            files.push(path.to_owned());
        } else if path.is_dir() {
            let mut found = Vec::new();
            walk(path, skip, &mut found).with_context(|| format!("cannot list {arg}"))?;
            found.sort();
            files.extend(found);
        } else if arg.contains(['*', '?', '[']) {
            let mut found: Vec<PathBuf> = glob::glob(arg)
                .with_context(|| format!("bad glob pattern {arg:?}"))?
                .filter_map(std::result::Result::ok)
                .filter(|p| p.is_file() && is_input_file(p) && !skipped(skip, p, false))
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

/// Whether `skip` names `path`, logged at debug level when it does.
fn skipped(skip: &Skip, path: &Path, is_dir: bool) -> bool {
    let reason = skip.reason(path, is_dir);
    if let Some(why) = reason {
        debug!("{}: skipped, {why}", path.display());
    }
    reason.is_some()
}

/// Input files under `dir`, recursively, without what `skip` names.
/// Symbolic links to folders are not followed (they could loop); links to
/// files are kept.
fn walk(dir: &Path, skip: &Skip, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let p = entry.path();
        if entry.file_type()?.is_dir() {
            if !skipped(skip, &p, true) {
                walk(&p, skip, out)?;
            }
        } else if p.is_dir() {
            warn!("{}: symbolic link to a folder, not followed", p.display());
        } else if is_input_file(&p) && !skipped(skip, &p, false) {
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
        let files = expand(&args, &Skip::default()).unwrap();
        assert_eq!(files, vec![a, dir.join("b.pcap")]);
    }

    #[test]
    fn folders_leave_out_the_state_the_outputs_and_the_labels() {
        // CAPS holds the captures, the state, the outputs of earlier runs
        // (`--out CAPS`), a second output folder below it and the labels.
        let tmp = tempfile::tempdir().unwrap();
        let caps = tmp.path().join("caps");
        let write = |rel: &str| {
            let p = caps.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, b"x").unwrap();
            p
        };
        let day1 = write("2026-01-04.pcap");
        let day2 = write("more/2026-01-05.csv.gz");
        let in_days = write("days/2026-01-06.pcap");
        write("state/days/2026-01-05.senders.csv");
        write("days/2026-01-05.senders.csv");
        write("big_gt.csv");
        let arg = [caps.display().to_string()];

        let skip = Skip::new(&caps.join("state"), &caps, &[caps.join("big_gt.csv")]);
        let files = expand(&arg, &skip).unwrap();
        assert_eq!(files, [day1.clone(), in_days.clone(), day2.clone()]);
        // An output folder below the capture folder is left out whole.
        write("other-out/days/2026-01-05.senders.csv");
        let skip = Skip::new(&caps.join("state"), &caps.join("other-out"), &[]);
        let files = expand(&arg, &skip).unwrap();
        let expected = [
            day1.clone(),
            caps.join("big_gt.csv"),
            caps.join("days/2026-01-05.senders.csv"),
            in_days.clone(),
            day2.clone(),
        ];
        assert_eq!(files, expected);

        // Through `..` and a pattern as well.
        let dotted = caps.join("more/..");
        let skip = Skip::new(&dotted.join("state"), &dotted, &[dotted.join("big_gt.csv")]);
        let files = expand(&[format!("{}/*/*.csv*", caps.display())], &skip).unwrap();
        assert_eq!(files, [day2]);

        // A file named on its own is read whatever it is.
        let labels = caps.join("big_gt.csv");
        let skip = Skip::new(&caps.join("state"), &caps, std::slice::from_ref(&labels));
        let files = expand(&[labels.display().to_string()], &skip).unwrap();
        assert_eq!(files, [labels]);
    }
}
