//! The word2vec text and binary vector formats (Mikolov's C tool, gensim's
//! `save_word2vec_format`/`load_word2vec_format`).
//!
//! Both start with a header line `<n_tokens> <dim>`. The text format then has
//! one line per token: the token and `dim` decimal numbers, separated by
//! spaces. The binary format has, per token, the token, one space and `dim`
//! little-endian `f32`; the C tool ends each entry with a newline, gensim
//! does not, and the reader accepts both.

use std::fmt::Display;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use ndarray::Array2;

use crate::atomic::write_atomically;
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::model::{Model, Token};

impl<T: Token + Display> Model<T> {
    /// Writes the embeddings in the word2vec text format, most frequent
    /// token first (gensim's order; ties by token), atomically.
    ///
    /// # Errors
    ///
    /// [`Error::UnwritableToken`] if a token prints empty or with whitespace,
    /// [`Error::Io`] if writing fails (the old file, if any, is kept).
    pub fn write_word2vec_text(&self, path: impl AsRef<Path>) -> Result<()> {
        self.write_word2vec(path.as_ref(), false)
    }

    /// Writes the embeddings in the word2vec binary format, in the same
    /// order as [`Model::write_word2vec_text`], atomically.
    ///
    /// # Errors
    ///
    /// As [`Model::write_word2vec_text`].
    pub fn write_word2vec_binary(&self, path: impl AsRef<Path>) -> Result<()> {
        self.write_word2vec(path.as_ref(), true)
    }

    fn write_word2vec(&self, path: &Path, binary: bool) -> Result<()> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        let (tokens, counts) = (&self.vocab.tokens, &self.vocab.counts);
        order.sort_by(|&a, &b| {
            counts[b].total_cmp(&counts[a]).then_with(|| tokens[a].cmp(&tokens[b]))
        });
        let names = printable_names(order.iter().map(|&i| (i, &tokens[i])))?;
        let rows = order.iter().map(|&i| self.row(i));
        write_entries(path, binary, self.vector_size(), names.iter().map(String::as_str).zip(rows))
    }
}

impl<T: Token + Display> Embeddings<T> {
    /// Writes these embeddings in the word2vec text format, in row order.
    ///
    /// # Errors
    ///
    /// As [`Model::write_word2vec_text`].
    pub fn write_word2vec_text(&self, path: impl AsRef<Path>) -> Result<()> {
        self.write_word2vec(path.as_ref(), false)
    }

    /// Writes these embeddings in the word2vec binary format, in row order.
    ///
    /// # Errors
    ///
    /// As [`Model::write_word2vec_text`].
    pub fn write_word2vec_binary(&self, path: impl AsRef<Path>) -> Result<()> {
        self.write_word2vec(path.as_ref(), true)
    }

    fn write_word2vec(&self, path: &Path, binary: bool) -> Result<()> {
        let names = printable_names(self.tokens().iter().enumerate())?;
        let vectors = self.vectors();
        let rows: Vec<Vec<f32>> = vectors.rows().into_iter().map(|r| r.to_vec()).collect();
        let entries = names.iter().map(String::as_str).zip(rows.iter().map(Vec::as_slice));
        write_entries(path, binary, self.dim(), entries)
    }
}

/// Prints tokens, refusing those the formats cannot hold.
fn printable_names<'a, T: Display + 'a>(
    tokens: impl Iterator<Item = (usize, &'a T)>,
) -> Result<Vec<String>> {
    tokens
        .map(|(token_idx, t)| {
            let s = t.to_string();
            if s.is_empty() || s.chars().any(char::is_whitespace) {
                Err(Error::UnwritableToken { token_idx })
            } else {
                Ok(s)
            }
        })
        .collect()
}

/// Writes header and entries in one of the two formats.
fn write_entries<'a>(
    path: &Path,
    binary: bool,
    dim: usize,
    entries: impl ExactSizeIterator<Item = (&'a str, &'a [f32])>,
) -> Result<()> {
    write_atomically(path, |out| {
        writeln!(out, "{} {dim}", entries.len())?;
        for (name, row) in entries {
            out.write_all(name.as_bytes())?;
            if binary {
                out.write_all(b" ")?;
                for x in row {
                    out.write_all(&x.to_le_bytes())?;
                }
            } else {
                for x in row {
                    write!(out, " {x}")?;
                }
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Reads a word2vec text file.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read, [`Error::Format`] for a bad
/// header, a line with the wrong number of values, a value that is not a
/// finite number, a token that does not parse, a repeated token, or fewer
/// entries than announced.
pub fn read_word2vec_text<T: Token + FromStr>(path: impl AsRef<Path>) -> Result<Embeddings<T>> {
    let path = path.as_ref();
    let bytes =
        std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    let fail = |entry: usize, what: String| Error::Format { path: path.to_path_buf(), entry, what };
    let text = std::str::from_utf8(&bytes).map_err(|e| fail(0, format!("not utf-8: {e}")))?;
    let mut lines = text.lines();
    let (n, dim) = parse_header(lines.next().unwrap_or(""), path)?;

    let mut reader = Collector::new(n, dim, path);
    for entry in 1..=n {
        let line = lines
            .next()
            .ok_or_else(|| fail(entry, format!("file ends after {} entries", entry - 1)))?;
        let mut fields = line.split_ascii_whitespace();
        let name = fields.next().ok_or_else(|| fail(entry, "empty line".into()))?;
        let mut row = Vec::with_capacity(dim);
        for f in fields {
            row.push(f.parse::<f32>().map_err(|_| fail(entry, format!("bad number {f:?}")))?);
        }
        reader.push(entry, name, &row)?;
    }
    Ok(reader.finish())
}

/// Reads a word2vec binary file (with or without a newline after each entry).
///
/// # Errors
///
/// As [`read_word2vec_text`]; a file that ends inside an entry gives
/// [`Error::Format`].
pub fn read_word2vec_binary<T: Token + FromStr>(path: impl AsRef<Path>) -> Result<Embeddings<T>> {
    let path = path.as_ref();
    let bytes =
        std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    let fail = |entry: usize, what: &str| Error::Format {
        path: path.to_path_buf(),
        entry,
        what: what.into(),
    };
    let header_end =
        bytes.iter().position(|&b| b == b'\n').ok_or_else(|| fail(0, "no header line"))?;
    let header =
        std::str::from_utf8(&bytes[..header_end]).map_err(|_| fail(0, "header is not utf-8"))?;
    let (n, dim) = parse_header(header, path)?;

    let mut reader = Collector::new(n, dim, path);
    let mut pos = header_end + 1;
    let mut row = vec![0.0f32; dim];
    for entry in 1..=n {
        while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        let space = bytes[pos..]
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| fail(entry, "file ends in a token"))?;
        let name = std::str::from_utf8(&bytes[pos..pos + space])
            .map_err(|_| fail(entry, "token is not utf-8"))?;
        pos += space + 1;
        let raw =
            bytes.get(pos..pos + 4 * dim).ok_or_else(|| fail(entry, "file ends in a vector"))?;
        for (x, b) in row.iter_mut().zip(raw.chunks_exact(4)) {
            *x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        pos += 4 * dim;
        reader.push(entry, name, &row)?;
    }
    Ok(reader.finish())
}

/// Parses `<n_tokens> <dim>`.
fn parse_header(line: &str, path: &Path) -> Result<(usize, usize)> {
    let fail = |what: &str| Error::Format { path: path.to_path_buf(), entry: 0, what: what.into() };
    let mut fields = line.split_ascii_whitespace().map(str::parse::<usize>);
    match (fields.next(), fields.next(), fields.next()) {
        (Some(Ok(n)), Some(Ok(dim)), None) if dim > 0 => Ok((n, dim)),
        _ => Err(fail("header is not `<n_tokens> <dim>` with dim > 0")),
    }
}

/// Checks and gathers entries of either format.
struct Collector<'p, T> {
    tokens: Vec<T>,
    seen: std::collections::HashSet<T>,
    values: Vec<f32>,
    dim: usize,
    path: &'p Path,
}

impl<'p, T: Token + FromStr> Collector<'p, T> {
    fn new(n: usize, dim: usize, path: &'p Path) -> Self {
        // Capacity is a hint only: a lying header must not allocate gigabytes.
        let cap = n.min(1 << 20);
        Collector {
            tokens: Vec::with_capacity(cap),
            seen: Default::default(),
            values: Vec::with_capacity(cap.saturating_mul(dim).min(1 << 24)),
            dim,
            path,
        }
    }

    fn push(&mut self, entry: usize, name: &str, row: &[f32]) -> Result<()> {
        let fail = |what: String| Error::Format { path: self.path.to_path_buf(), entry, what };
        if row.len() != self.dim {
            return Err(fail(format!("{} values, expected {}", row.len(), self.dim)));
        }
        if let Some(k) = row.iter().position(|x| !x.is_finite()) {
            return Err(fail(format!("value {k} is not finite")));
        }
        let token: T = name.parse().map_err(|_| fail(format!("token {name:?} does not parse")))?;
        if !self.seen.insert(token.clone()) {
            return Err(fail(format!("token {name:?} repeats")));
        }
        self.tokens.push(token);
        self.values.extend_from_slice(row);
        Ok(())
    }

    fn finish(self) -> Embeddings<T> {
        let n = self.tokens.len();
        // `push` checked every row's length, so the shape always matches.
        let vectors = Array2::from_shape_vec((n, self.dim), self.values)
            .unwrap_or_else(|_| Array2::zeros((n, self.dim)));
        Embeddings::from_rows(self.tokens, vectors)
    }
}
