//! Validated parameters: the MONIC thresholds, the novelty test and the internal
//! transitions.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How far back, and with which threshold, an emerged cluster is compared with earlier
/// clusters to decide between novelty and re-identification.
///
/// Lags are measured in batch ids: a past cluster of batch `b` lies at lag `t + 1 - b`
/// from a new cluster of batch `t + 1`. The paper looks at every earlier batch (lags
/// `1..`); the authors' public code looks at lags 2 to 14 with threshold 0.6 and leaves
/// lag 1 to the transition rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LookBack {
    /// Smallest lag compared (at least 1).
    pub min_lag: u64,
    /// Largest lag compared; `None` looks at the whole history.
    pub max_lag: Option<u64>,
    /// A past cluster `X` re-identifies an emerged `Y` when its backward overlap reaches
    /// this value.
    pub threshold: f64,
    /// Divide `OL(X, Y)` by the share of `X` active in the new batch (see
    /// [`crate::rules::backward_overlap`]).
    pub normalise: bool,
}

impl LookBack {
    /// The paper's rule: every earlier batch, threshold τ0 = 0.65, no normalisation.
    pub const PAPER: Self = Self { min_lag: 1, max_lag: None, threshold: 0.65, normalise: false };
    /// The authors' public code: lags 2 to 14, threshold 0.6, no normalisation.
    pub const REFERENCE: Self =
        Self { min_lag: 2, max_lag: Some(14), threshold: 0.6, normalise: false };

    /// Whether a past batch at `lag` is compared.
    pub fn contains(&self, lag: u64) -> bool {
        lag >= self.min_lag && self.max_lag.is_none_or(|max| lag <= max)
    }
}

/// Validated parameters of the dynamic cluster analysis.
///
/// Build them with [`Params::builder`], or take a preset: [`Params::paper`] (also the
/// [`Default`]) or [`Params::reference`].
///
/// | parameter | paper (default) | reference code | range |
/// | --- | --- | --- | --- |
/// | `match_threshold` τ0 | 0.65 | 0.6 | [0.5, 1] |
/// | `split_threshold` τ1 | 0.3 | 0.35 | (0, 0.5) |
/// | look-back lags | 1.. (all) | 2..=14 | `min_lag` ≥ 1 |
/// | look-back threshold | 0.65 | 0.6 | (0, 1] |
/// | look-back normalisation | off | off | |
/// | `size_change_threshold` | 0.1 (not in the paper) | – | ≥ 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    match_threshold: f64,
    split_threshold: f64,
    look_back: LookBack,
    size_change_threshold: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self::paper()
    }
}

impl Params {
    /// The paper's values: τ0 = 0.65, τ1 = 0.3, novelty against every earlier batch.
    pub fn paper() -> Self {
        Self {
            match_threshold: 0.65,
            split_threshold: 0.3,
            look_back: LookBack::PAPER,
            size_change_threshold: 0.1,
        }
    }

    /// The authors' public code (NovTrack): τ0 = 0.6, τ1 = 0.35, novelty against lags 2
    /// to 14 with threshold 0.6.
    pub fn reference() -> Self {
        Self {
            match_threshold: 0.6,
            split_threshold: 0.35,
            look_back: LookBack::REFERENCE,
            size_change_threshold: 0.1,
        }
    }

    /// A builder starting from the paper's values.
    pub fn builder() -> ParamsBuilder {
        ParamsBuilder { params: Self::paper() }
    }

    /// τ0: the share of a cluster's active weight that makes a strong match.
    pub fn match_threshold(&self) -> f64 {
        self.match_threshold
    }

    /// τ1: the share that makes a loose match (a split part), and the activity below
    /// which a cluster is inactive.
    pub fn split_threshold(&self) -> f64 {
        self.split_threshold
    }

    /// The novelty look-back.
    pub fn look_back(&self) -> LookBack {
        self.look_back
    }

    /// Relative size change of a survivor, `|w(Y)/w(X) - 1|`, from which it is reported
    /// as grown or shrunk.
    pub fn size_change_threshold(&self) -> f64 {
        self.size_change_threshold
    }

    fn check(self) -> Result<Self> {
        let t0 = self.match_threshold;
        if !(0.5..=1.0).contains(&t0) {
            return Err(invalid("match_threshold", t0, "a value in [0.5, 1]"));
        }
        let t1 = self.split_threshold;
        if !(t1 > 0.0 && t1 < 0.5) {
            return Err(invalid("split_threshold", t1, "a value in (0, 0.5)"));
        }
        let lb = self.look_back;
        if !(lb.threshold > 0.0 && lb.threshold <= 1.0) {
            return Err(invalid("look_back.threshold", lb.threshold, "a value in (0, 1]"));
        }
        if lb.min_lag == 0 || lb.max_lag.is_some_and(|max| max < lb.min_lag) {
            return Err(Error::InvalidLookBack {
                min_lag: lb.min_lag,
                max_lag: lb.max_lag.unwrap_or(u64::MAX),
            });
        }
        let s = self.size_change_threshold;
        if !(s.is_finite() && s >= 0.0) {
            return Err(invalid("size_change_threshold", s, "a finite value >= 0"));
        }
        Ok(self)
    }
}

fn invalid(name: &'static str, value: f64, expected: &'static str) -> Error {
    Error::InvalidParam { name, value, expected }
}

/// Sets parameters one by one, then validates them all in [`ParamsBuilder::build`].
#[derive(Debug, Clone)]
pub struct ParamsBuilder {
    params: Params,
}

impl ParamsBuilder {
    /// Starts from the reference code's values instead of the paper's.
    pub fn from_reference() -> Self {
        Self { params: Params::reference() }
    }

    /// Sets τ0 (default 0.65), in [0.5, 1].
    pub fn match_threshold(mut self, value: f64) -> Self {
        self.params.match_threshold = value;
        self
    }

    /// Sets τ1 (default 0.3), in (0, 0.5).
    pub fn split_threshold(mut self, value: f64) -> Self {
        self.params.split_threshold = value;
        self
    }

    /// Sets the novelty look-back (default [`LookBack::PAPER`]).
    pub fn look_back(mut self, value: LookBack) -> Self {
        self.params.look_back = value;
        self
    }

    /// Sets the survivor size-change threshold (default 0.1), finite and ≥ 0.
    pub fn size_change_threshold(mut self, value: f64) -> Self {
        self.params.size_change_threshold = value;
        self
    }

    /// Validates every parameter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParam`] naming the first parameter outside its range, or
    /// [`Error::InvalidLookBack`] for an empty look-back window.
    pub fn build(self) -> Result<Params> {
        self.params.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(r: Result<Params>) -> &'static str {
        match r {
            Err(Error::InvalidParam { name, .. }) => name,
            other => panic!("expected InvalidParam, got {other:?}"),
        }
    }

    #[test]
    fn presets_are_valid() {
        assert_eq!(Params::paper().check(), Ok(Params::paper()));
        assert_eq!(Params::reference().check(), Ok(Params::reference()));
        assert_eq!(Params::builder().build(), Ok(Params::default()));
        assert_eq!(ParamsBuilder::from_reference().build(), Ok(Params::reference()));
    }

    #[test]
    fn match_threshold_range() {
        assert!(Params::builder().match_threshold(0.5).build().is_ok());
        assert!(Params::builder().match_threshold(1.0).build().is_ok());
        let bad = Params::builder().match_threshold(0.49).build();
        assert_eq!(name_of(bad), "match_threshold");
        assert_eq!(name_of(Params::builder().match_threshold(f64::NAN).build()), "match_threshold");
    }

    #[test]
    fn split_threshold_range() {
        assert_eq!(name_of(Params::builder().split_threshold(0.0).build()), "split_threshold");
        assert_eq!(name_of(Params::builder().split_threshold(0.5).build()), "split_threshold");
        assert!(Params::builder().split_threshold(0.49).build().is_ok());
    }

    #[test]
    fn look_back_checks() {
        let lb = LookBack { threshold: 0.0, ..LookBack::PAPER };
        assert_eq!(name_of(Params::builder().look_back(lb).build()), "look_back.threshold");
        let lb = LookBack { min_lag: 0, ..LookBack::PAPER };
        assert!(matches!(
            Params::builder().look_back(lb).build(),
            Err(Error::InvalidLookBack { min_lag: 0, .. })
        ));
        let lb = LookBack { min_lag: 5, max_lag: Some(4), ..LookBack::PAPER };
        assert!(matches!(
            Params::builder().look_back(lb).build(),
            Err(Error::InvalidLookBack { min_lag: 5, max_lag: 4 })
        ));
        assert!(LookBack::REFERENCE.contains(2) && LookBack::REFERENCE.contains(14));
        assert!(!LookBack::REFERENCE.contains(1) && !LookBack::REFERENCE.contains(15));
        assert!(LookBack::PAPER.contains(1) && LookBack::PAPER.contains(10_000));
    }

    #[test]
    fn size_change_threshold_checks() {
        let bad = Params::builder().size_change_threshold(-0.1).build();
        assert_eq!(name_of(bad), "size_change_threshold");
        let bad = Params::builder().size_change_threshold(f64::INFINITY).build();
        assert_eq!(name_of(bad), "size_change_threshold");
    }
}
