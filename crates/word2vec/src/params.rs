//! Training parameters: an unchecked [`ParamsBuilder`] and the validated
//! [`Params`] it builds.

use serde::{Deserialize, Serialize};

use crate::error::ParamsError;

/// The largest accepted `vector_size`.
pub const MAX_VECTOR_SIZE: usize = 1 << 16;

/// How an incremental update ([`crate::Model::update`]) merges the counts of
/// the new batch into the counts already in the model.
///
/// Counts drive the noise distribution (unigram^0.75) used for negative
/// sampling and the subsampling rates of frequent tokens, so the policy
/// decides how much yesterday's traffic shapes today's training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum CountPolicy {
    /// `count = old + new`: every batch weighs the same forever (gensim's
    /// behaviour after `build_vocab(update=True)`). The default.
    #[default]
    Accumulate,
    /// `count = new`: only the latest batch counts; tokens absent from it
    /// get count 0 and are never drawn as negatives.
    Replace,
    /// `count = factor * old + new` with `factor` in [0, 1]: an exponential
    /// moving sum, so old batches fade (0 is `Replace`, 1 is `Accumulate`).
    Decay(f64),
}

impl CountPolicy {
    /// Merges an old count with the count seen in the new batch.
    pub(crate) fn merge(self, old: f64, new: f64) -> f64 {
        match self {
            CountPolicy::Accumulate => old + new,
            CountPolicy::Replace => new,
            CountPolicy::Decay(factor) => factor * old + new,
        }
    }
}

/// Validated training parameters. Build them with [`Params::builder`];
/// [`Params::default`] gives the defaults listed on [`ParamsBuilder`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub(crate) vector_size: usize,
    pub(crate) window: usize,
    pub(crate) negative: usize,
    pub(crate) sample: f64,
    pub(crate) min_count: u64,
    pub(crate) epochs: usize,
    pub(crate) update_epochs: Option<usize>,
    pub(crate) alpha: f32,
    pub(crate) min_alpha: f32,
    pub(crate) seed: u64,
    pub(crate) threads: usize,
    pub(crate) max_sentence_len: Option<usize>,
    pub(crate) count_policy: CountPolicy,
    pub(crate) retire_after: Option<u32>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            vector_size: 200,
            window: 5,
            negative: 5,
            sample: 0.0,
            min_count: 1,
            epochs: 5,
            update_epochs: None,
            alpha: 0.025,
            min_alpha: 0.0001,
            seed: 1,
            threads: 1,
            max_sentence_len: None,
            count_policy: CountPolicy::Accumulate,
            retire_after: None,
        }
    }
}

impl Params {
    /// Starts a builder holding the defaults.
    pub fn builder() -> ParamsBuilder {
        ParamsBuilder { params: Params::default() }
    }

    /// Turns these parameters back into a builder, to change some of them.
    pub fn to_builder(&self) -> ParamsBuilder {
        ParamsBuilder { params: self.clone() }
    }

    /// Dimension of the embeddings.
    pub fn vector_size(&self) -> usize {
        self.vector_size
    }

    /// Largest distance between a centre token and a context token.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Noise tokens drawn per positive pair.
    pub fn negative(&self) -> usize {
        self.negative
    }

    /// Subsampling threshold of frequent tokens (0 = off).
    pub fn sample(&self) -> f64 {
        self.sample
    }

    /// Minimum count for a new token to enter the vocabulary.
    pub fn min_count(&self) -> u64 {
        self.min_count
    }

    /// Passes over the corpus in [`crate::Model::train`].
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// Passes over the corpus in [`crate::Model::update`].
    pub fn update_epochs(&self) -> usize {
        self.update_epochs.unwrap_or(self.epochs)
    }

    /// Starting learning rate.
    pub fn alpha(&self) -> f32 {
        self.alpha
    }

    /// Final learning rate.
    pub fn min_alpha(&self) -> f32 {
        self.min_alpha
    }

    /// Seed of every random choice.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Cut of every sentence after this many kept tokens, if set.
    pub fn max_sentence_len(&self) -> Option<usize> {
        self.max_sentence_len
    }

    /// How updates merge counts.
    pub fn count_policy(&self) -> CountPolicy {
        self.count_policy
    }

    /// Batches after which an unseen token is retired, if set.
    pub fn retire_after(&self) -> Option<u32> {
        self.retire_after
    }
}

/// Unchecked training parameters with gensim's names. Every setter takes
/// and returns the builder; [`ParamsBuilder::build`] checks all rules once.
///
/// | parameter | default | meaning |
/// | --- | --- | --- |
/// | `vector_size` | 200 | embedding dimension (i-DarkVec uses 200) |
/// | `window` | 5 | maximum context distance; each position draws a reduced window in 1..=window as the original word2vec does |
/// | `negative` | 5 | noise tokens per positive pair (DarkVec: 5) |
/// | `sample` | 0 | subsampling threshold of frequent tokens, off at 0 (DarkVec trains without subsampling; gensim's default is 1e-3) |
/// | `min_count` | 1 | a new token needs this many occurrences in its batch (DarkVec's gensim `min_count=0` keeps every token, as 1 does here) |
/// | `epochs` | 5 | passes over a cold-start corpus (gensim's default) |
/// | `update_epochs` | = `epochs` | passes over the corpus of an incremental update |
/// | `alpha` | 0.025 | starting learning rate |
/// | `min_alpha` | 0.0001 | learning rate reached at the end of each call, linearly |
/// | `seed` | 1 | seed of initial vectors, window reduction, subsampling and noise draws |
/// | `threads` | 1 | worker threads (1 gives bit-identical runs for a seed) |
/// | `max_sentence_len` | `None` | cut sentences after this many kept tokens, as gensim does at 10,000; `None` trains whole sentences |
/// | `count_policy` | `Accumulate` | how updates merge counts, see [`CountPolicy`] |
/// | `retire_after` | `None` | drop tokens unseen for this many consecutive batches |
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsBuilder {
    params: Params,
}

impl Default for ParamsBuilder {
    fn default() -> Self {
        Params::builder()
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $name(mut self, value: $ty) -> Self {
                self.params.$name = value;
                self
            }
        )*
    };
}

impl ParamsBuilder {
    setters! {
        /// Sets the embedding dimension.
        vector_size: usize;
        /// Sets the maximum context distance.
        window: usize;
        /// Sets the noise tokens per positive pair.
        negative: usize;
        /// Sets the subsampling threshold (0 turns subsampling off).
        sample: f64;
        /// Sets the minimum count for a new token (0 behaves as 1).
        min_count: u64;
        /// Sets the passes over a cold-start corpus.
        epochs: usize;
        /// Sets the passes over an update corpus (`None`: same as `epochs`).
        update_epochs: Option<usize>;
        /// Sets the starting learning rate.
        alpha: f32;
        /// Sets the final learning rate.
        min_alpha: f32;
        /// Sets the seed.
        seed: u64;
        /// Sets the number of worker threads.
        threads: usize;
        /// Sets the sentence cut (`None`: train whole sentences).
        max_sentence_len: Option<usize>;
        /// Sets how updates merge counts.
        count_policy: CountPolicy;
        /// Sets the retirement of unseen tokens (`None`: keep them forever).
        retire_after: Option<u32>;
    }

    /// Checks every rule without consuming the builder.
    ///
    /// # Errors
    ///
    /// The first [`ParamsError`] found, in the order of the table above.
    pub fn check(&self) -> Result<(), ParamsError> {
        self.params.check()
    }

    /// Checks every rule and returns the validated parameters.
    ///
    /// # Errors
    ///
    /// As [`ParamsBuilder::check`].
    pub fn build(self) -> Result<Params, ParamsError> {
        self.check()?;
        Ok(self.params)
    }
}

impl Params {
    /// The rules, shared by the builder and by model loading.
    pub(crate) fn check(&self) -> Result<(), ParamsError> {
        let p = self;
        if p.vector_size == 0 {
            return Err(ParamsError::ZeroVectorSize);
        }
        if p.vector_size > MAX_VECTOR_SIZE {
            return Err(ParamsError::VectorSizeTooLarge {
                vector_size: p.vector_size,
                max: MAX_VECTOR_SIZE,
            });
        }
        if p.window == 0 {
            return Err(ParamsError::ZeroWindow);
        }
        if p.negative == 0 {
            return Err(ParamsError::ZeroNegative);
        }
        if !(p.sample.is_finite() && (0.0..1.0).contains(&p.sample)) {
            return Err(ParamsError::SampleOutOfRange { sample: p.sample });
        }
        if p.epochs == 0 {
            return Err(ParamsError::ZeroEpochs { name: "epochs" });
        }
        if p.update_epochs == Some(0) {
            return Err(ParamsError::ZeroEpochs { name: "update_epochs" });
        }
        if !(p.alpha.is_finite() && p.alpha > 0.0 && p.alpha <= 1.0) {
            return Err(ParamsError::AlphaOutOfRange { alpha: p.alpha });
        }
        if !(p.min_alpha.is_finite() && p.min_alpha >= 0.0 && p.min_alpha <= p.alpha) {
            return Err(ParamsError::MinAlphaOutOfRange { min_alpha: p.min_alpha, alpha: p.alpha });
        }
        if p.threads == 0 {
            return Err(ParamsError::ZeroThreads);
        }
        if p.max_sentence_len == Some(0) {
            return Err(ParamsError::ZeroMaxSentenceLen);
        }
        if let CountPolicy::Decay(factor) = p.count_policy
            && !(factor.is_finite() && (0.0..=1.0).contains(&factor))
        {
            return Err(ParamsError::DecayOutOfRange { factor });
        }
        if p.retire_after == Some(0) {
            return Err(ParamsError::ZeroRetireAfter);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(b: ParamsBuilder) -> ParamsError {
        b.build().unwrap_err()
    }

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let p = Params::builder().build().unwrap();
        assert_eq!(p, Params::default());
        assert_eq!((p.vector_size(), p.window(), p.negative()), (200, 5, 5));
        assert_eq!((p.alpha(), p.min_alpha()), (0.025, 0.0001));
        assert_eq!(p.update_epochs(), p.epochs());
        assert_eq!(p.max_sentence_len(), None);
    }

    #[test]
    fn each_rule_has_its_variant() {
        let b = Params::builder;
        assert_eq!(err(b().vector_size(0)), ParamsError::ZeroVectorSize);
        assert!(matches!(
            err(b().vector_size(MAX_VECTOR_SIZE + 1)),
            ParamsError::VectorSizeTooLarge { .. }
        ));
        assert_eq!(err(b().window(0)), ParamsError::ZeroWindow);
        assert_eq!(err(b().negative(0)), ParamsError::ZeroNegative);
        assert!(matches!(err(b().sample(-0.1)), ParamsError::SampleOutOfRange { .. }));
        assert!(matches!(err(b().sample(f64::NAN)), ParamsError::SampleOutOfRange { .. }));
        assert_eq!(err(b().epochs(0)), ParamsError::ZeroEpochs { name: "epochs" });
        assert_eq!(
            err(b().update_epochs(Some(0))),
            ParamsError::ZeroEpochs { name: "update_epochs" }
        );
        assert!(matches!(err(b().alpha(0.0)), ParamsError::AlphaOutOfRange { .. }));
        assert!(matches!(err(b().alpha(f32::NAN)), ParamsError::AlphaOutOfRange { .. }));
        assert!(matches!(err(b().min_alpha(0.5)), ParamsError::MinAlphaOutOfRange { .. }));
        assert_eq!(err(b().threads(0)), ParamsError::ZeroThreads);
        assert_eq!(err(b().max_sentence_len(Some(0))), ParamsError::ZeroMaxSentenceLen);
        assert!(matches!(
            err(b().count_policy(CountPolicy::Decay(1.5))),
            ParamsError::DecayOutOfRange { .. }
        ));
        assert_eq!(err(b().retire_after(Some(0))), ParamsError::ZeroRetireAfter);
    }

    #[test]
    fn count_policies_merge_as_documented() {
        assert_eq!(CountPolicy::Accumulate.merge(3.0, 2.0), 5.0);
        assert_eq!(CountPolicy::Replace.merge(3.0, 2.0), 2.0);
        assert_eq!(CountPolicy::Decay(0.5).merge(3.0, 2.0), 3.5);
    }
}
