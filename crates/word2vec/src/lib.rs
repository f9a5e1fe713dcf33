//! Skip-gram Word2Vec with negative sampling and an incremental vocabulary,
//! written from scratch, for any token type.
//!
//! darkdca embeds network-telescope senders with it (the i-DarkVec method:
//! each service's time-ordered senders form a sentence), but nothing here
//! knows about packets: a token is any `Clone + Eq + Hash + Ord` value
//! ([`Token`]), a sentence is a slice of tokens, a corpus is a slice of
//! sentences.
//!
//! # Example
//!
//! ```
//! use darkdca_word2vec::{Model, Params};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Two groups of tokens that only ever appear together.
//! let day1: Vec<Vec<&str>> = (0..40)
//!     .map(|i| if i % 2 == 0 { vec!["a", "b", "c", "a", "b", "c"] } else { vec!["x", "y", "z", "x", "y", "z"] })
//!     .collect();
//! let params = Params::builder().vector_size(16).epochs(20).seed(7).build()?;
//! let (mut model, stats) = Model::train(&params, &day1)?;
//! assert_eq!(stats.vocab_size, 6);
//!
//! // The next day brings a new token; known tokens keep their vectors.
//! let day2 = vec![vec!["a", "b", "new", "c"]; 10];
//! let stats = model.update(&day2)?;
//! assert_eq!(stats.n_new_tokens, 1);
//!
//! let nearest = model.most_similar(&"a", 2).ok_or("a is in the vocabulary")?;
//! assert_eq!(nearest.len(), 2);
//! let matrix = model.embeddings_for(&["a", "new"])?;
//! assert_eq!(matrix.shape(), &[2, 16]);
//! # Ok(())
//! # }
//! ```
//!
//! # Main types
//!
//! - [`Params`] (built and validated by [`ParamsBuilder`]) holds gensim's
//!   knobs with DarkVec's defaults; [`CountPolicy`] says how an update merges
//!   counts.
//! - [`Model::train`] starts a model from a corpus; [`Model::update`] trains
//!   the next batch: it extends the vocabulary, merges counts, optionally
//!   retires tokens unseen for `retire_after` batches, recomputes the noise
//!   distribution and subsampling rates from the merged counts and restarts
//!   the learning-rate schedule. Both return [`TrainStats`].
//! - Queries: [`Model::vector`], [`Model::embeddings_for`],
//!   [`Model::normalized_vectors`] (an [`Embeddings`] in token order) and
//!   [`Model::most_similar`].
//! - Files: [`Model::save`] and [`Model::load`] keep everything needed to go
//!   on training (bincode with a magic number, a format version and a
//!   checksum, replaced atomically); [`Model::write_word2vec_text`],
//!   [`Model::write_word2vec_binary`], [`read_word2vec_text`] and
//!   [`read_word2vec_binary`] exchange vectors with gensim and the C tool.
//!
//! # Training
//!
//! As in the original word2vec: for each kept position a reduced window
//! `1..=window` is drawn, every other token in it forms a pair whose input
//! (context) vector learns to predict the centre token against `negative`
//! noise tokens drawn from counts^0.75, and the learning rate falls linearly
//! from `alpha` to `min_alpha` over the planned words of the call. Frequent
//! tokens are subsampled when `sample > 0`. Sentences are trained whole by
//! default; long ones are split into jobs of about 10,000 centre positions
//! whose context windows still reach across the split. `max_sentence_len`
//! reproduces gensim's cut of each sentence after 10,000 kept tokens.
//!
//! With `threads > 1`, workers update the shared weights without locks
//! (Hogwild, as the C tool and gensim do), so runs differ slightly. With one
//! thread and a seed, two runs give bit-identical vectors on a platform.
//!
//! # Speed
//!
//! The update loops run over contiguous `f32` rows in blocks the compiler
//! vectorises; on x86-64 CPUs with AVX2 and FMA a second instantiation of
//! the loop compiled for them is chosen at run time (results then differ
//! from the portable build in the last bits, since FMA rounds once).
//! Setting the environment variable `DARKDCA_W2V_SIMD=portable` forces the
//! portable loop, for comparisons. `docs/benchmarks/word2vec.md` has the
//! figures against gensim.
//!
//! # Limitations
//!
//! - Skip-gram with negative sampling only: no CBOW, no hierarchical softmax.
//! - The whole batch corpus is indexed in memory (4 bytes per token).
//! - [`Model::most_similar`] scans the whole vocabulary.
//! - The unsafe Hogwild access is a data race by design when `threads > 1`
//!   (see the `hogwild` module); it touches only `f32` weights.
//!
//! # References
//!
//! - T. Mikolov, I. Sutskever, K. Chen, G. Corrado, J. Dean. Distributed
//!   representations of words and phrases and their compositionality.
//!   NeurIPS 2013 (skip-gram, negative sampling, subsampling).
//! - B. Recht, C. Re, S. Wright, F. Niu. Hogwild!: a lock-free approach to
//!   parallelizing stochastic gradient descent. NeurIPS 2011.
//! - L. Gioacchini et al. i-DarkVec: incremental embeddings for darknet
//!   traffic analysis. ACM TOIT 2023.

mod atomic;
mod corpus;
mod embeddings;
mod error;
mod hogwild;
mod kernel;
mod model;
mod noise;
mod params;
mod persist;
mod rng;
mod train;
mod vocab;
mod w2v_format;

pub use embeddings::Embeddings;
pub use error::{Error, ParamsError, Result};
pub use model::{MAX_VOCAB, Model, Passes, Similar, Token, TrainStats};
pub use params::{CountPolicy, MAX_VECTOR_SIZE, Params, ParamsBuilder};
pub use persist::{FORMAT_VERSION, MAGIC};
pub use w2v_format::{read_word2vec_binary, read_word2vec_text};
