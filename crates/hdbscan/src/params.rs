//! Parameters: [`Params`] with documented defaults, validated once into [`Hdbscan`].

use serde::{Deserialize, Serialize};

use crate::error::ParamsError;

/// How far apart two points are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Cosine distance `1 - cos(a, b)`, in `[0, 2]`, the project's metric.
    ///
    /// Computed as `0.5 * |a/|a| - b/|b||^2`, which equals `1 - cos(a, b)`
    /// and is exactly zero for rows pointing the same way. Zero rows are
    /// rejected.
    #[default]
    Cosine,
    /// Euclidean distance `|a - b|`.
    Euclidean,
    /// The input is a square, symmetric matrix of distances with a zero
    /// diagonal (the reference's `metric="precomputed"`).
    Precomputed,
}

/// How flat clusters are chosen from the condensed tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterSelection {
    /// Excess of mass (`"eom"`): the most stable clusters. The default.
    #[default]
    ExcessOfMass,
    /// The leaves of the condensed cluster tree (`"leaf"`).
    Leaf,
}

/// How `min_samples` is counted when core distances are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinSamplesConvention {
    /// The Python `hdbscan` package (0.8.x): the core distance of a point is
    /// the distance to its `min_samples`-th nearest *other* point. The
    /// default.
    #[default]
    Hdbscan,
    /// scikit-learn's `sklearn.cluster.HDBSCAN`: the point counts as its own
    /// first neighbour, so the core distance is the distance to its
    /// `(min_samples - 1)`-th nearest other point (zero for
    /// `min_samples = 1`).
    ScikitLearn,
}

/// HDBSCAN parameters before validation.
///
/// Required values go to [`Params::new`]; the others have setters and the
/// defaults of the Python `hdbscan` package (0.8.x):
///
/// | parameter | default |
/// | --- | --- |
/// | `min_samples` | `None`: equal to `min_cluster_size` |
/// | `metric` | [`Metric::Cosine`] (the reference's default is euclidean; this project clusters with cosine) |
/// | `cluster_selection` | [`ClusterSelection::ExcessOfMass`] |
/// | `cluster_selection_epsilon` | `0.0` |
/// | `allow_single_cluster` | `false` |
/// | `max_cluster_size` | `None`: unlimited (the reference's `0`) |
/// | `min_samples_convention` | [`MinSamplesConvention::Hdbscan`] |
///
/// The paper's and the project's setting is `min_cluster_size = 10`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub(crate) min_cluster_size: usize,
    pub(crate) min_samples: Option<usize>,
    pub(crate) metric: Metric,
    pub(crate) cluster_selection: ClusterSelection,
    pub(crate) cluster_selection_epsilon: f64,
    pub(crate) allow_single_cluster: bool,
    pub(crate) max_cluster_size: Option<usize>,
    pub(crate) min_samples_convention: MinSamplesConvention,
}

impl Params {
    /// Parameters with the given smallest cluster size and defaults for the rest.
    pub fn new(min_cluster_size: usize) -> Self {
        Params {
            min_cluster_size,
            min_samples: None,
            metric: Metric::default(),
            cluster_selection: ClusterSelection::default(),
            cluster_selection_epsilon: 0.0,
            allow_single_cluster: false,
            max_cluster_size: None,
            min_samples_convention: MinSamplesConvention::default(),
        }
    }

    /// Neighbours counted for core distances; `None` uses `min_cluster_size`.
    pub fn min_samples(mut self, min_samples: Option<usize>) -> Self {
        self.min_samples = min_samples;
        self
    }

    /// The distance between points.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// Excess of mass or leaf selection.
    pub fn cluster_selection(mut self, method: ClusterSelection) -> Self {
        self.cluster_selection = method;
        self
    }

    /// Clusters born below this distance are merged up to an ancestor born
    /// above it (Malzer and Baum's hybrid selection); `0.0` turns it off.
    pub fn cluster_selection_epsilon(mut self, epsilon: f64) -> Self {
        self.cluster_selection_epsilon = epsilon;
        self
    }

    /// Let excess of mass return the root, that is one cluster of everything.
    pub fn allow_single_cluster(mut self, allow: bool) -> Self {
        self.allow_single_cluster = allow;
        self
    }

    /// Excess of mass never selects a cluster larger than this; `None` is unlimited.
    pub fn max_cluster_size(mut self, max_cluster_size: Option<usize>) -> Self {
        self.max_cluster_size = max_cluster_size;
        self
    }

    /// Count `min_samples` as the `hdbscan` package (default) or as scikit-learn does.
    pub fn min_samples_convention(mut self, convention: MinSamplesConvention) -> Self {
        self.min_samples_convention = convention;
        self
    }

    /// Smallest cluster size.
    pub fn get_min_cluster_size(&self) -> usize {
        self.min_cluster_size
    }

    /// `min_samples` as given (`None` means `min_cluster_size`).
    pub fn get_min_samples(&self) -> Option<usize> {
        self.min_samples
    }

    /// The metric.
    pub fn get_metric(&self) -> Metric {
        self.metric
    }

    /// The selection method.
    pub fn get_cluster_selection(&self) -> ClusterSelection {
        self.cluster_selection
    }

    /// The selection epsilon.
    pub fn get_cluster_selection_epsilon(&self) -> f64 {
        self.cluster_selection_epsilon
    }

    /// Whether a single cluster may be selected.
    pub fn get_allow_single_cluster(&self) -> bool {
        self.allow_single_cluster
    }

    /// The largest cluster excess of mass may select.
    pub fn get_max_cluster_size(&self) -> Option<usize> {
        self.max_cluster_size
    }

    /// The `min_samples` convention.
    pub fn get_min_samples_convention(&self) -> MinSamplesConvention {
        self.min_samples_convention
    }

    /// Checks every rule once.
    ///
    /// # Errors
    ///
    /// One [`ParamsError`] variant per broken rule: `min_cluster_size < 2`,
    /// `min_samples == Some(0)`, a negative or non-finite epsilon,
    /// `max_cluster_size == Some(0)`.
    pub fn check(&self) -> Result<(), ParamsError> {
        if self.min_cluster_size < 2 {
            return Err(ParamsError::MinClusterSizeTooSmall {
                min_cluster_size: self.min_cluster_size,
            });
        }
        if let Some(min_samples @ 0) = self.min_samples {
            return Err(ParamsError::MinSamplesTooSmall { min_samples });
        }
        let epsilon = self.cluster_selection_epsilon;
        if !epsilon.is_finite() || epsilon < 0.0 {
            return Err(ParamsError::InvalidEpsilon { epsilon });
        }
        if let Some(max_cluster_size @ 0) = self.max_cluster_size {
            return Err(ParamsError::MaxClusterSizeZero { max_cluster_size });
        }
        Ok(())
    }

    /// Validates the parameters into a runnable [`Hdbscan`].
    ///
    /// # Errors
    ///
    /// As [`Params::check`].
    pub fn build(self) -> Result<Hdbscan, ParamsError> {
        self.check()?;
        Ok(Hdbscan { params: self })
    }

    /// The number of other points whose distance is the core distance, for
    /// `n` points (0 means a core distance of zero).
    pub(crate) fn core_neighbour(&self, n: usize) -> usize {
        let min_samples = self.min_samples.unwrap_or(self.min_cluster_size);
        let max = n.saturating_sub(1);
        match self.min_samples_convention {
            // The reference clamps to n - 1, then raises 0 to 1.
            MinSamplesConvention::Hdbscan => min_samples.min(max).max(1).min(max),
            MinSamplesConvention::ScikitLearn => (min_samples - 1).min(max),
        }
    }
}

/// Validated HDBSCAN parameters: the only value that can run the algorithm.
///
/// Made by [`Params::build`]; run with [`Hdbscan::fit`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hdbscan {
    pub(crate) params: Params,
}

impl Hdbscan {
    /// The validated parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }
}
