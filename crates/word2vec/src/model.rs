//! [`Model`]: cold-start training, incremental updates and queries.

use std::hash::Hash;
use std::time::{Duration, Instant};

use ndarray::{Array2, ArrayView1};

use crate::corpus::{BatchCounts, IndexedCorpus};
use crate::embeddings::Embeddings;
use crate::error::{Error, ParamsError, Result};
use crate::noise::NoiseTable;
use crate::params::Params;
use crate::rng::Rng;
use crate::train::{self, Plan};
use crate::vocab::Vocab;

/// What a token type must provide. Implemented for every type that has the
/// listed traits (strings, integers, addresses, ...).
pub trait Token: Clone + Eq + Hash + Ord {}

impl<T: Clone + Eq + Hash + Ord> Token for T {}

/// The largest vocabulary: row indices are `u32`, and `u32::MAX` is reserved.
pub const MAX_VOCAB: usize = u32::MAX as usize - 1;

/// A skip-gram model: vocabulary with counts, input vectors (the embeddings)
/// and output vectors, and the number of batches trained so far.
#[derive(Debug, Clone)]
pub struct Model<T> {
    pub(crate) params: Params,
    pub(crate) vocab: Vocab<T>,
    /// `len × vector_size`, row-major.
    pub(crate) input: Vec<f32>,
    /// `len × vector_size`, row-major.
    pub(crate) output: Vec<f32>,
    /// Batches trained, the cold start included.
    pub(crate) n_batches: u32,
}

/// Statistics of one [`Model::train`] or [`Model::update`] call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TrainStats {
    /// Batch number of this call (0 for the cold start).
    pub batch: u32,
    /// Sentences in the corpus given.
    pub n_sentences: usize,
    /// Tokens in the corpus given.
    pub n_tokens: usize,
    /// Tokens of the corpus that are in the vocabulary after this call.
    pub n_tokens_in_vocab: usize,
    /// Distinct tokens of the corpus left out by `min_count`.
    pub n_below_min_count: usize,
    /// Tokens added to the vocabulary.
    pub n_new_tokens: usize,
    /// Tokens retired because unseen for `retire_after` batches.
    pub n_retired_tokens: usize,
    /// Vocabulary size after this call.
    pub vocab_size: usize,
    /// Passes made over the corpus.
    pub epochs: usize,
    /// Further passes that trained only the tokens this call added
    /// ([`Passes::new_token_epochs`]; 0 when there were none).
    pub new_token_epochs: usize,
    /// Centre words trained over all epochs, after subsampling (gensim's
    /// "effective words"); in the new-token passes, only centres with a new
    /// token in their window count.
    pub n_trained_words: u64,
    /// (context, centre) pairs trained, the new-token passes included.
    pub n_pairs: u64,
    /// Wall time of the training passes.
    pub elapsed: Duration,
}

impl TrainStats {
    /// Trained words per second of wall time.
    pub fn words_per_second(&self) -> f64 {
        self.n_trained_words as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The training passes of one [`Model::update_with`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passes {
    /// Passes over the whole batch, as [`Model::update_with_epochs`]. At
    /// least 1.
    pub epochs: usize,
    /// Further passes, after those, that train only the tokens this batch
    /// adds to the vocabulary against the rest of the model held fixed: a
    /// pair is trained when its context token is new, and only that token's
    /// input vector learns, while every output vector and the input vectors
    /// of known tokens stay as the first passes left them. 0 makes no such
    /// pass.
    ///
    /// A known token has been trained on every earlier batch it was in; a
    /// new one has only this batch's `epochs`. Its neighbourhood is then
    /// looser than a known token's, and a group whose members are all new
    /// can look like noise to a density-based clustering.
    pub new_token_epochs: usize,
}

/// A token and its cosine similarity to a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Similar<T> {
    /// The neighbour.
    pub token: T,
    /// Cosine similarity to the query, in [-1, 1].
    pub cosine: f32,
}

impl<T: Token> Model<T> {
    /// Trains a new model on a corpus (a slice of sentences, each a slice or
    /// vector of tokens) for `params.epochs()` passes.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyCorpus`] when the corpus holds no token,
    /// [`Error::NothingAboveMinCount`] when `min_count` removes every token,
    /// [`Error::VocabularyTooLarge`] above [`MAX_VOCAB`] distinct tokens,
    /// [`Error::Diverged`] when a weight became non-finite.
    pub fn train<S: AsRef<[T]>>(params: &Params, corpus: &[S]) -> Result<(Self, TrainStats)> {
        params.check()?;
        let mut model = Model {
            params: params.clone(),
            vocab: Vocab::new(),
            input: Vec::new(),
            output: Vec::new(),
            n_batches: 0,
        };
        let passes = Passes { epochs: params.epochs, new_token_epochs: 0 };
        let stats = model.step(corpus, passes, true)?;
        Ok((model, stats))
    }

    /// Trains on a new batch for `params.update_epochs()` passes: known tokens
    /// keep their vectors, new tokens get fresh ones, counts are merged by
    /// the count policy, tokens unseen for `retire_after` batches are
    /// retired, the noise distribution and subsampling rates are recomputed
    /// from the merged counts, and the learning rate restarts at `alpha`.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyCorpus`] when the corpus holds no token (the model is
    /// unchanged), [`Error::VocabularyTooLarge`], [`Error::Diverged`] (the
    /// model is then trained but holds non-finite weights).
    pub fn update<S: AsRef<[T]>>(&mut self, corpus: &[S]) -> Result<TrainStats> {
        let epochs = self.params.update_epochs();
        self.step(corpus, Passes { epochs, new_token_epochs: 0 }, false)
    }

    /// As [`Model::update`] with a number of passes for this call only.
    ///
    /// # Errors
    ///
    /// As [`Model::update`], and [`Error::Params`] when `epochs` is 0.
    pub fn update_with_epochs<S: AsRef<[T]>>(
        &mut self,
        corpus: &[S],
        epochs: usize,
    ) -> Result<TrainStats> {
        self.update_with(corpus, Passes { epochs, new_token_epochs: 0 })
    }

    /// As [`Model::update`] with the passes of this call given: passes over
    /// the whole batch, then passes that train only the tokens the batch
    /// adds (see [`Passes`]).
    ///
    /// # Errors
    ///
    /// As [`Model::update`], and [`Error::Params`] when `passes.epochs` is 0.
    pub fn update_with<S: AsRef<[T]>>(
        &mut self,
        corpus: &[S],
        passes: Passes,
    ) -> Result<TrainStats> {
        if passes.epochs == 0 {
            return Err(ParamsError::ZeroEpochs { name: "epochs" }.into());
        }
        self.step(corpus, passes, false)
    }

    /// Moves every vector a `share` of the way back to a fresh start before
    /// the next update: input vectors towards new random ones (drawn as a
    /// new token's are, from the seed, the batch counter and the row),
    /// output vectors towards zero. `0` keeps the model as it is (the
    /// i-DarkVec update); `1` forgets everything learnt but the vocabulary
    /// and counts, as if the next update were a cold start.
    ///
    /// What a token learnt from its old neighbours then has to be learnt
    /// again from the next batch: tokens whose contexts have not changed
    /// come back to the same neighbourhood, while tokens whose contexts
    /// changed (a group that split, or dissolved into unrelated senders)
    /// no longer carry yesterday's similarity into today's vectors.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] with [`ParamsError::ForgetOutOfRange`] when `share`
    /// is not a finite number in [0, 1]; the model is unchanged.
    pub fn forget(&mut self, share: f32) -> Result<()> {
        if !(share.is_finite() && (0.0..=1.0).contains(&share)) {
            return Err(ParamsError::ForgetOutOfRange { share }.into());
        }
        if share == 0.0 {
            return Ok(());
        }
        let dim = self.params.vector_size;
        let keep = 1.0 - share;
        let scale = share / dim as f32;
        for (row, v) in self.input.chunks_exact_mut(dim).enumerate() {
            let mut rng =
                Rng::derived(&[self.params.seed, u64::from(self.n_batches), row as u64, 0xF06E]);
            for x in v {
                *x = keep * *x + scale * rng.centred_f32();
            }
        }
        for x in &mut self.output {
            *x *= keep;
        }
        Ok(())
    }

    /// Replaces the training parameters used by later updates.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleParams`] when `vector_size` differs from the model's.
    pub fn set_params(&mut self, params: Params) -> Result<()> {
        if params.vector_size != self.params.vector_size {
            return Err(Error::IncompatibleParams {
                name: "vector_size",
                old: self.params.vector_size,
                new: params.vector_size,
            });
        }
        self.params = params;
        Ok(())
    }

    /// One batch: vocabulary merge, retirement, then training.
    fn step<S: AsRef<[T]>>(
        &mut self,
        corpus: &[S],
        passes: Passes,
        cold: bool,
    ) -> Result<TrainStats> {
        let batch_counts = BatchCounts::new(corpus);
        if batch_counts.flat.is_empty() {
            return Err(Error::EmptyCorpus { n_sentences: corpus.len() });
        }

        // Decide every token's fate before touching the model, so that
        // errors leave it unchanged.
        let min_count = self.params.min_count.max(1);
        let fate: Vec<Fate> = batch_counts
            .distinct
            .iter()
            .zip(&batch_counts.counts)
            .map(|(t, &c)| match self.vocab.get(t) {
                Some(row) => Fate::Known(row as u32),
                None if c >= min_count => Fate::New,
                None => Fate::Dropped,
            })
            .collect();
        let n_new = fate.iter().filter(|f| matches!(f, Fate::New)).count();
        let n_below_min_count = fate.iter().filter(|f| matches!(f, Fate::Dropped)).count();
        if cold && n_new == 0 {
            return Err(Error::NothingAboveMinCount {
                min_count: self.params.min_count,
                n_distinct: batch_counts.distinct.len(),
            });
        }
        if self.vocab.len() + n_new > MAX_VOCAB {
            return Err(Error::VocabularyTooLarge {
                n_tokens: self.vocab.len() + n_new,
                max: MAX_VOCAB,
            });
        }

        let batch = if cold { 0 } else { self.n_batches };
        let to_row = self.merge_vocab(&batch_counts, &fate, batch);
        let mut indexed = IndexedCorpus::new(&batch_counts.flat, &batch_counts.offsets, &to_row);
        let n_retired = self.retire(batch, &mut indexed);
        self.n_batches = batch + 1;

        let started = Instant::now();
        let mut counters = self.train_batch(&indexed, passes.epochs, batch, 0);
        // New tokens are the last rows: retirement keeps the order and never
        // retires a token of this batch.
        let new_token_epochs = if cold || n_new == 0 { 0 } else { passes.new_token_epochs };
        if new_token_epochs > 0 {
            let first_new = (self.vocab.len() - n_new) as u32;
            counters += self.train_batch(&indexed, new_token_epochs, batch, first_new);
        }
        let elapsed = started.elapsed();
        self.check_finite()?;
        Ok(TrainStats {
            batch,
            n_sentences: corpus.len(),
            n_tokens: batch_counts.flat.len(),
            n_tokens_in_vocab: indexed.flat.len(),
            n_below_min_count,
            n_new_tokens: n_new,
            n_retired_tokens: n_retired,
            vocab_size: self.vocab.len(),
            epochs: passes.epochs,
            new_token_epochs,
            n_trained_words: counters.words,
            n_pairs: counters.pairs,
            elapsed,
        })
    }

    /// Adds new tokens with fresh vectors and merges counts; returns the map
    /// from batch-local ids to rows.
    fn merge_vocab(
        &mut self,
        batch_counts: &BatchCounts<'_, T>,
        fate: &[Fate],
        batch: u32,
    ) -> Vec<u32> {
        let dim = self.params.vector_size;
        let mut in_batch = vec![0.0f64; self.vocab.len()];
        let mut to_row = vec![u32::MAX; fate.len()];
        for (local, f) in fate.iter().enumerate() {
            let row = match f {
                Fate::Known(row) => *row,
                Fate::Dropped => continue,
                Fate::New => {
                    let row = self.vocab.push(batch_counts.distinct[local].clone(), batch);
                    let mut rng =
                        Rng::derived(&[self.params.seed, u64::from(batch), local as u64, 0x1AB]);
                    self.input.extend((0..dim).map(|_| rng.centred_f32() / dim as f32));
                    self.output.extend(std::iter::repeat_n(0.0, dim));
                    in_batch.push(0.0);
                    row
                }
            };
            in_batch[row as usize] = batch_counts.counts[local] as f64;
            self.vocab.last_seen[row as usize] = batch;
            to_row[local] = row;
        }

        // New tokens start at count 0, so every policy gives them their batch count.
        for (count, new) in self.vocab.counts.iter_mut().zip(in_batch) {
            *count = self.params.count_policy.merge(*count, new);
        }
        to_row
    }

    /// Retires tokens unseen for `retire_after` batches; returns how many.
    fn retire(&mut self, batch: u32, indexed: &mut IndexedCorpus) -> usize {
        let Some(after) = self.params.retire_after else { return 0 };
        let keep: Vec<bool> =
            self.vocab.last_seen.iter().map(|&seen| batch - seen < after).collect();
        let n_retired = keep.iter().filter(|k| !**k).count();
        if n_retired == 0 {
            return 0;
        }
        let dim = self.params.vector_size;
        let mut next = 0;
        for (old, &k) in keep.iter().enumerate() {
            if k {
                self.input.copy_within(old * dim..(old + 1) * dim, next * dim);
                self.output.copy_within(old * dim..(old + 1) * dim, next * dim);
                next += 1;
            }
        }
        self.input.truncate(next * dim);
        self.output.truncate(next * dim);
        let map = self.vocab.retain(&keep);
        indexed.remap(&map);
        n_retired
    }

    /// Runs the passes over an indexed batch.
    fn train_batch(
        &mut self,
        indexed: &IndexedCorpus,
        epochs: usize,
        batch: u32,
        first_row: u32,
    ) -> train::Counters {
        let Some(noise) = NoiseTable::new(&self.vocab.counts) else {
            return train::Counters::default();
        };
        let keep = (self.params.sample > 0.0)
            .then(|| train::keep_thresholds(&self.vocab.counts, self.params.sample));
        let plan = Plan {
            corpus: indexed,
            noise: &noise,
            keep: keep.as_deref(),
            params: &self.params,
            epochs,
            batch,
            first_row,
        };
        train::run(&plan, &mut self.input, &mut self.output)
    }

    /// Fails on the first row with a non-finite input or output weight.
    fn check_finite(&self) -> Result<()> {
        let dim = self.params.vector_size;
        let bad = |m: &[f32]| m.iter().position(|x| !x.is_finite()).map(|p| p / dim);
        match (bad(&self.input), bad(&self.output)) {
            (None, None) => Ok(()),
            (a, b) => Err(Error::Diverged { token_idx: a.or(b).unwrap_or(0) }),
        }
    }
}

/// What a batch does with one of its distinct tokens.
enum Fate {
    Known(u32),
    New,
    Dropped,
}

impl<T: Token> Model<T> {
    /// The parameters of the model.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Number of tokens in the vocabulary.
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// Whether the vocabulary is empty (never true for a trained model).
    pub fn is_empty(&self) -> bool {
        self.vocab.len() == 0
    }

    /// Dimension of the embeddings.
    pub fn vector_size(&self) -> usize {
        self.params.vector_size
    }

    /// Batches trained so far, the cold start included.
    pub fn n_batches(&self) -> u32 {
        self.n_batches
    }

    /// Tokens in vocabulary order (insertion order; retirement keeps the
    /// order of the tokens that stay).
    pub fn tokens(&self) -> &[T] {
        &self.vocab.tokens
    }

    /// Whether a token is in the vocabulary.
    pub fn contains(&self, token: &T) -> bool {
        self.vocab.get(token).is_some()
    }

    /// The merged count of a token.
    pub fn count(&self, token: &T) -> Option<f64> {
        self.vocab.get(token).map(|i| self.vocab.counts[i])
    }

    /// The batch in which a token was last seen.
    pub fn last_seen(&self, token: &T) -> Option<u32> {
        self.vocab.get(token).map(|i| self.vocab.last_seen[i])
    }

    /// Probability that an occurrence of `token` is kept by subsampling in
    /// the next training call, from the current counts (1 when `sample` is 0).
    pub fn keep_probability(&self, token: &T) -> Option<f64> {
        let i = self.vocab.get(token)?;
        if self.params.sample <= 0.0 {
            return Some(1.0);
        }
        let t = train::keep_thresholds(&self.vocab.counts, self.params.sample)[i];
        Some(if t == u32::MAX { 1.0 } else { f64::from(t) / f64::from(u32::MAX) })
    }

    /// Probability that a noise draw picks `token` in the next training
    /// call: its count^0.75 over the sum for the vocabulary.
    pub fn noise_probability(&self, token: &T) -> Option<f64> {
        let i = self.vocab.get(token)?;
        let total: f64 = self.vocab.counts.iter().map(|c| c.max(0.0).powf(0.75)).sum();
        Some(if total > 0.0 { self.vocab.counts[i].max(0.0).powf(0.75) / total } else { 0.0 })
    }

    /// The embedding (input vector) of a token.
    pub fn vector(&self, token: &T) -> Option<ArrayView1<'_, f32>> {
        self.vocab.get(token).map(|i| ArrayView1::from(self.row(i)))
    }

    /// The output (context) vector of a token.
    pub fn output_vector(&self, token: &T) -> Option<ArrayView1<'_, f32>> {
        let dim = self.params.vector_size;
        self.vocab.get(token).map(|i| ArrayView1::from(&self.output[i * dim..(i + 1) * dim]))
    }

    pub(crate) fn row(&self, i: usize) -> &[f32] {
        let dim = self.params.vector_size;
        &self.input[i * dim..(i + 1) * dim]
    }

    /// All embeddings scaled to unit length, rows in ascending token order
    /// (an order that does not depend on training history). A zero vector
    /// stays zero.
    pub fn normalized_vectors(&self) -> Embeddings<T> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_unstable_by(|&a, &b| self.vocab.tokens[a].cmp(&self.vocab.tokens[b]));
        let tokens = order.iter().map(|&i| self.vocab.tokens[i].clone()).collect();
        Embeddings::from_rows(tokens, self.matrix(&order, true))
    }

    /// The embeddings of the given tokens, one row each, in the given order.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownToken`] naming the first token not in the vocabulary.
    pub fn embeddings_for(&self, tokens: &[T]) -> Result<Array2<f32>> {
        Ok(self.matrix(&self.rows_of(tokens)?, false))
    }

    /// As [`Model::embeddings_for`], with rows scaled to unit length.
    ///
    /// # Errors
    ///
    /// As [`Model::embeddings_for`].
    pub fn normalized_embeddings_for(&self, tokens: &[T]) -> Result<Array2<f32>> {
        Ok(self.matrix(&self.rows_of(tokens)?, true))
    }

    fn rows_of(&self, tokens: &[T]) -> Result<Vec<usize>> {
        tokens
            .iter()
            .enumerate()
            .map(|(position, t)| self.vocab.get(t).ok_or(Error::UnknownToken { position }))
            .collect()
    }

    fn matrix(&self, rows: &[usize], normalize: bool) -> Array2<f32> {
        let dim = self.params.vector_size;
        let mut out = Array2::zeros((rows.len(), dim));
        for (mut dst, &r) in out.rows_mut().into_iter().zip(rows) {
            let src = self.row(r);
            let scale = if normalize { inverse_norm(src) } else { 1.0 };
            dst.iter_mut().zip(src).for_each(|(d, s)| *d = s * scale);
        }
        out
    }

    /// The `k` tokens most similar to `token` by cosine, best first, the
    /// token itself excluded; ties are broken by token order. `None` if the
    /// token is not in the vocabulary.
    pub fn most_similar(&self, token: &T, k: usize) -> Option<Vec<Similar<T>>> {
        let query = self.vocab.get(token)?;
        let tokens = &self.vocab.tokens;
        Some(
            nearest(self.len(), |i| self.row(i), query, k, |a, b| tokens[a].cmp(&tokens[b]))
                .into_iter()
                .map(|(cosine, i)| Similar { token: tokens[i].clone(), cosine })
                .collect(),
        )
    }
}

/// The `k` rows most similar by cosine to row `query` (itself excluded),
/// best first, ties broken by `tie`.
pub(crate) fn nearest<'r>(
    n: usize,
    row: impl Fn(usize) -> &'r [f32],
    query: usize,
    k: usize,
    tie: impl Fn(usize, usize) -> std::cmp::Ordering,
) -> Vec<(f32, usize)> {
    let q = row(query);
    let q_scale = inverse_norm(q);
    let mut scored: Vec<(f32, usize)> = (0..n)
        .filter(|&i| i != query)
        .map(|i| {
            let r = row(i);
            (crate::kernel::dot(q, r) * q_scale * inverse_norm(r), i)
        })
        .collect();
    let by_score =
        |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then_with(|| tie(a.1, b.1));
    let k = k.min(scored.len());
    if k == 0 {
        return Vec::new();
    }
    scored.select_nth_unstable_by(k - 1, by_score);
    scored.truncate(k);
    scored.sort_unstable_by(by_score);
    scored
}

/// 1 / ‖v‖, or 0 for a zero vector.
pub(crate) fn inverse_norm(v: &[f32]) -> f32 {
    let n = crate::kernel::dot(v, v).sqrt();
    if n > 0.0 { 1.0 / n } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_weights_are_reported_as_divergence() {
        let p = Params::builder().vector_size(3).epochs(1).build().unwrap();
        let (mut m, _) = Model::train(&p, &[vec!["a", "b", "c"]]).unwrap();
        assert!(m.check_finite().is_ok());
        m.output[2 * 3 + 1] = f32::NAN;
        assert!(matches!(m.check_finite(), Err(Error::Diverged { token_idx: 2 })));
        m.input[3] = f32::INFINITY;
        assert!(matches!(m.check_finite(), Err(Error::Diverged { token_idx: 1 })));
    }

    #[test]
    fn new_vectors_are_small_and_output_vectors_start_at_zero() {
        let dim = 10;
        let p = Params::builder()
            .vector_size(dim)
            .epochs(1)
            .alpha(1e-6)
            .min_alpha(0.0)
            .build()
            .unwrap();
        let (m, _) = Model::train(&p, &[vec![1u8, 2, 3]]).unwrap();
        let bound = 0.5 / dim as f32 + 1e-4;
        assert!(m.input.iter().all(|x| x.abs() <= bound));
        assert!(m.output.iter().all(|x| x.abs() < 1e-4));
    }
}
