//! The crate's error types: [`Error`] for training, queries and files, and
//! [`ParamsError`] for parameters rejected by [`crate::ParamsBuilder::build`].

use std::path::PathBuf;

/// A parameter rule broken by a [`crate::ParamsBuilder`]. One variant per rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// `vector_size` is zero.
    #[error("vector_size must be at least 1")]
    ZeroVectorSize,
    /// `vector_size` is above [`crate::MAX_VECTOR_SIZE`].
    #[error("vector_size {vector_size} is above the limit {max}")]
    VectorSizeTooLarge {
        /// The value given.
        vector_size: usize,
        /// The largest accepted value.
        max: usize,
    },
    /// `window` is zero.
    #[error("window must be at least 1")]
    ZeroWindow,
    /// `negative` is zero (this crate has no hierarchical softmax).
    #[error("negative must be at least 1")]
    ZeroNegative,
    /// `epochs` (or `update_epochs`) is zero.
    #[error("{name} must be at least 1")]
    ZeroEpochs {
        /// `epochs` or `update_epochs`.
        name: &'static str,
    },
    /// `threads` is zero.
    #[error("threads must be at least 1")]
    ZeroThreads,
    /// `alpha` is not a finite number in (0, 1].
    #[error("alpha {alpha} is not in (0, 1]")]
    AlphaOutOfRange {
        /// The value given.
        alpha: f32,
    },
    /// `min_alpha` is not a finite number in [0, alpha].
    #[error("min_alpha {min_alpha} is not in [0, alpha = {alpha}]")]
    MinAlphaOutOfRange {
        /// The value given.
        min_alpha: f32,
        /// The starting learning rate it must not exceed.
        alpha: f32,
    },
    /// `sample` is not a finite number in [0, 1).
    #[error("sample {sample} is not in [0, 1)")]
    SampleOutOfRange {
        /// The value given.
        sample: f64,
    },
    /// The decay factor of [`crate::CountPolicy::Decay`] is not in [0, 1].
    #[error("decay factor {factor} is not in [0, 1]")]
    DecayOutOfRange {
        /// The value given.
        factor: f64,
    },
    /// `max_sentence_len` is `Some(0)`.
    #[error("max_sentence_len must be at least 1 when set")]
    ZeroMaxSentenceLen,
    /// `retire_after` is `Some(0)`.
    #[error("retire_after must be at least 1 batch when set")]
    ZeroRetireAfter,
    /// The share given to [`crate::Model::forget`] is not a finite number in [0, 1].
    #[error("forget share {share} is not in [0, 1]")]
    ForgetOutOfRange {
        /// The value given.
        share: f32,
    },
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The parameters break a rule.
    #[error("invalid parameters")]
    Params(#[from] ParamsError),
    /// The corpus holds no token at all (no sentence, or only empty ones).
    #[error("the corpus holds no token ({n_sentences} sentences)")]
    EmptyCorpus {
        /// Number of sentences given.
        n_sentences: usize,
    },
    /// `min_count` removed every token of a cold-start corpus.
    #[error("min_count {min_count} removes all {n_distinct} distinct tokens of the corpus")]
    NothingAboveMinCount {
        /// The `min_count` in force.
        min_count: u64,
        /// Distinct tokens seen in the corpus.
        n_distinct: usize,
    },
    /// The corpus has more distinct tokens than the 32-bit indices can hold.
    #[error("the vocabulary would hold {n_tokens} tokens, above the limit {max}")]
    VocabularyTooLarge {
        /// Tokens that would be in the vocabulary.
        n_tokens: usize,
        /// The largest supported vocabulary.
        max: usize,
    },
    /// Training produced a non-finite weight (the learning rate is too high).
    #[error("training diverged: token index {token_idx} has a non-finite weight")]
    Diverged {
        /// Vocabulary index of the first token with a non-finite weight.
        token_idx: usize,
    },
    /// A token asked for is not in the vocabulary.
    #[error("token at position {position} of the request is not in the vocabulary")]
    UnknownToken {
        /// Position of the token in the caller's slice.
        position: usize,
    },
    /// New parameters change a value a trained model cannot change.
    #[error("cannot change {name} of a trained model from {old} to {new}")]
    IncompatibleParams {
        /// Name of the parameter.
        name: &'static str,
        /// Value in the model.
        old: usize,
        /// Value requested.
        new: usize,
    },
    /// Reading or writing a file failed.
    #[error("i/o error on {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with this crate's magic number.
    #[error("{path} is not a darkdca-word2vec model file (bad magic number)")]
    BadMagic {
        /// The file.
        path: PathBuf,
    },
    /// The file was written in another format version.
    #[error("{path} has model format version {found}, this build reads version {expected}")]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Version found in the file.
        found: u32,
        /// Version this build reads and writes.
        expected: u32,
    },
    /// The file is shorter than its header says.
    #[error("{path} is truncated: {found} of {expected} bytes present")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes expected (header plus payload).
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The payload checksum does not match: the file is corrupt.
    #[error("{path} is corrupt: checksum mismatch")]
    Corrupt {
        /// The file.
        path: PathBuf,
    },
    /// The payload could not be encoded.
    #[error("cannot encode the model")]
    Encode {
        /// The underlying error.
        #[source]
        source: bincode::error::EncodeError,
    },
    /// The payload could not be decoded although its length and checksum are right.
    #[error("cannot decode {path}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: bincode::error::DecodeError,
    },
    /// The decoded model is inconsistent (array sizes disagree).
    #[error("{path} holds an inconsistent model: {what}")]
    Inconsistent {
        /// The file.
        path: PathBuf,
        /// What disagrees.
        what: String,
    },
    /// A word2vec text or binary vector file is malformed.
    #[error("{path}: malformed word2vec file at entry {entry}: {what}")]
    Format {
        /// The file.
        path: PathBuf,
        /// 0 for the header, then 1-based vector entry.
        entry: usize,
        /// What is wrong.
        what: String,
    },
    /// A token cannot be written in the word2vec formats (empty or has whitespace).
    #[error("token at vocabulary index {token_idx} is empty or contains whitespace")]
    UnwritableToken {
        /// Vocabulary index of the token.
        token_idx: usize,
    },
}

/// Short for `Result<T, darkdca_word2vec::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
