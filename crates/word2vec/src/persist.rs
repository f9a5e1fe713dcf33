//! Saving and loading whole models.
//!
//! File layout: 8-byte magic `DDCW2VM\0`, format version (`u32` LE), payload
//! length (`u64` LE), payload checksum (`u64` LE), then the payload: the
//! model encoded with bincode 2 (`config::standard()`) through serde.

use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::atomic::write_atomically;
use crate::error::{Error, Result};
use crate::model::{Model, Token};
use crate::params::Params;
use crate::vocab::Vocab;

/// First bytes of every model file.
pub const MAGIC: [u8; 8] = *b"DDCW2VM\0";
/// The model format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Magic, version, payload length, checksum.
const HEADER_LEN: usize = 8 + 4 + 8 + 8;

/// The payload as written.
#[derive(Serialize)]
struct FileRef<'a, T> {
    params: &'a Params,
    tokens: &'a [T],
    counts: &'a [f64],
    last_seen: &'a [u32],
    input: &'a [f32],
    output: &'a [f32],
    n_batches: u32,
}

/// The payload as read.
#[derive(Deserialize)]
struct FileOwned<T> {
    params: Params,
    tokens: Vec<T>,
    counts: Vec<f64>,
    last_seen: Vec<u32>,
    input: Vec<f32>,
    output: Vec<f32>,
    n_batches: u32,
}

impl<T: Token + Serialize> Model<T> {
    /// Saves the whole model (parameters, vocabulary with counts and
    /// last-seen batches, input and output weights, batch counter) so that
    /// training can continue after [`Model::load`]. The file is replaced
    /// atomically: a crash leaves the old file or the new one.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] if a token cannot be encoded, [`Error::Io`] if
    /// writing fails.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let file = FileRef {
            params: &self.params,
            tokens: &self.vocab.tokens,
            counts: &self.vocab.counts,
            last_seen: &self.vocab.last_seen,
            input: &self.input,
            output: &self.output,
            n_batches: self.n_batches,
        };
        let payload = bincode::serde::encode_to_vec(&file, bincode::config::standard())
            .map_err(|source| Error::Encode { source })?;
        write_atomically(path.as_ref(), |out| {
            out.write_all(&MAGIC)?;
            out.write_all(&FORMAT_VERSION.to_le_bytes())?;
            out.write_all(&(payload.len() as u64).to_le_bytes())?;
            out.write_all(&checksum(&payload).to_le_bytes())?;
            out.write_all(&payload)
        })
    }
}

impl<T: Token + DeserializeOwned> Model<T> {
    /// Loads a model written by [`Model::save`].
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read, [`Error::BadMagic`] if it is
    /// not a model file, [`Error::UnsupportedVersion`] if it has another
    /// format version, [`Error::Truncated`] if it is shorter than its header
    /// says, [`Error::Corrupt`] on a checksum mismatch or trailing bytes,
    /// [`Error::Decode`] or [`Error::Inconsistent`] if the payload is not a
    /// valid model of token type `T`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
        let payload = check_header(&bytes, path)?;
        let (file, _): (FileOwned<T>, usize) =
            bincode::serde::decode_from_slice(payload, bincode::config::standard())
                .map_err(|source| Error::Decode { path: path.to_path_buf(), source })?;
        from_file(file, path)
    }
}

/// Validates magic, version, length and checksum; returns the payload.
fn check_header<'b>(bytes: &'b [u8], path: &Path) -> Result<&'b [u8]> {
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(Error::BadMagic { path: path.to_path_buf() });
    }
    let truncated = |expected: u64| Error::Truncated {
        path: path.to_path_buf(),
        expected,
        found: bytes.len() as u64,
    };
    if bytes.len() < 12 {
        return Err(truncated(HEADER_LEN as u64));
    }
    let found = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if found != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            path: path.to_path_buf(),
            found,
            expected: FORMAT_VERSION,
        });
    }
    if bytes.len() < HEADER_LEN {
        return Err(truncated(HEADER_LEN as u64));
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
    let (len, sum) = (word(12), word(20));
    let expected = (HEADER_LEN as u64).saturating_add(len);
    if (bytes.len() as u64) < expected {
        return Err(truncated(expected));
    }
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != len || checksum(payload) != sum {
        return Err(Error::Corrupt { path: path.to_path_buf() });
    }
    Ok(payload)
}

/// Rebuilds a model and checks that its parts agree.
fn from_file<T: Token>(file: FileOwned<T>, path: &Path) -> Result<Model<T>> {
    let bad = |what: String| Error::Inconsistent { path: path.to_path_buf(), what };
    file.params.check().map_err(|e| bad(format!("parameters: {e}")))?;
    let n = file.tokens.len();
    let cells = n
        .checked_mul(file.params.vector_size)
        .ok_or_else(|| bad("matrix size overflows".into()))?;
    if file.input.len() != cells || file.output.len() != cells {
        return Err(bad(format!(
            "{n} tokens of dim {} but weights of {} and {}",
            file.params.vector_size,
            file.input.len(),
            file.output.len()
        )));
    }
    if file.last_seen.iter().any(|&b| b >= file.n_batches) {
        return Err(bad("a token was seen in a batch after the last one".into()));
    }
    let vocab = Vocab::from_parts(file.tokens, file.counts, file.last_seen)
        .ok_or_else(|| bad("vocabulary columns differ in length or a token repeats".into()))?;
    Ok(Model {
        params: file.params,
        vocab,
        input: file.input,
        output: file.output,
        n_batches: file.n_batches,
    })
}

/// A fast 64-bit checksum over 8-byte words (multiply-rotate mixing); it
/// detects corruption, it is not cryptographic.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = 0xCBF2_9CE4_8422_2325_u64 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_sees_single_bit_flips() {
        let data: Vec<u8> = (0..100u8).collect();
        let base = checksum(&data);
        for i in 0..data.len() {
            let mut d = data.clone();
            d[i] ^= 1;
            assert_ne!(checksum(&d), base, "byte {i}");
        }
    }
}
