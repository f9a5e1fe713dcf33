//! Input checking and exact distances.
//!
//! All comparisons inside the crate use a *key*, a monotone function of the
//! distance: the squared euclidean distance between (for cosine, unit-length)
//! rows, or the entry of a precomputed matrix. Keys are computed in `f64`,
//! in a fixed order, and are exactly symmetric, so every decision is the same
//! on any thread count.

use ndarray::ArrayView2;

use crate::error::Error;
use crate::params::Metric;

/// Floating-point element types accepted as input (`f32` and `f64`).
pub trait Element: Copy + Send + Sync + 'static + sealed::Sealed {
    /// The value as `f64` (exact for both types).
    fn to_f64(self) -> f64;
}

impl Element for f32 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Element for f64 {
    fn to_f64(self) -> f64 {
        self
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// Exact keys between points, shared by the neighbour search and the tree.
pub(crate) trait Space: Sync {
    /// Number of points.
    fn n(&self) -> usize;
    /// Exact key between two points; symmetric, zero for identical rows.
    fn key(&self, a: usize, b: usize) -> f64;
    /// Converts a key into the user's distance.
    fn distance(&self, key: f64) -> f64;
}

/// Rows in `f64` (unit length for cosine) plus an `f32` copy for the
/// blocked products that filter candidates.
pub(crate) struct Vectors {
    pub(crate) n: usize,
    pub(crate) dims: usize,
    pub(crate) exact: Vec<f64>,
    pub(crate) approx: Vec<f32>,
    pub(crate) sq_norms: Vec<f64>,
    cosine: bool,
}

impl Vectors {
    /// Checks and copies the rows; normalises them for cosine.
    pub(crate) fn new<F: Element>(x: ArrayView2<'_, F>, metric: Metric) -> Result<Self, Error> {
        let (n, dims) = x.dim();
        let cosine = metric == Metric::Cosine;
        let mut exact = Vec::with_capacity(n * dims);
        let mut sq_norms = Vec::with_capacity(n);
        for (row_idx, row) in x.outer_iter().enumerate() {
            let start = exact.len();
            for (col, &v) in row.iter().enumerate() {
                let v = v.to_f64();
                if !v.is_finite() {
                    return Err(Error::NonFinite { row: row_idx, col });
                }
                exact.push(v);
            }
            let values = &mut exact[start..];
            if cosine {
                normalise(values).ok_or(Error::ZeroVector { row: row_idx })?;
            }
            sq_norms.push(values.iter().map(|v| v * v).sum());
        }
        #[allow(clippy::cast_possible_truncation)] // f32 copy only filters candidates.
        let approx = exact.iter().map(|&v| v as f32).collect();
        Ok(Vectors { n, dims, exact, approx, sq_norms, cosine })
    }

    /// Whether the `f32` products stay far from overflow (row norms below `1e15`).
    pub(crate) fn fits_f32(&self) -> bool {
        self.sq_norms.iter().all(|&s| s < 1e30)
    }

    pub(crate) fn row(&self, a: usize) -> &[f64] {
        &self.exact[a * self.dims..(a + 1) * self.dims]
    }
}

/// Scales `values` to unit length, guarding against overflow; `None` for a zero row.
fn normalise(values: &mut [f64]) -> Option<()> {
    let max = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return None;
    }
    let norm = max * values.iter().map(|v| (v / max) * (v / max)).sum::<f64>().sqrt();
    values.iter_mut().for_each(|v| *v /= norm);
    Some(())
}

/// Squared euclidean distance with four fixed accumulators (deterministic).
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0_f64; 4];
    let chunks_a = a.chunks_exact(4);
    let chunks_b = b.chunks_exact(4);
    let (rest_a, rest_b) = (chunks_a.remainder(), chunks_b.remainder());
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for i in 0..4 {
            let d = ca[i] - cb[i];
            acc[i] += d * d;
        }
    }
    let mut tail = 0.0;
    for (x, y) in rest_a.iter().zip(rest_b) {
        tail += (x - y) * (x - y);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl Space for Vectors {
    fn n(&self) -> usize {
        self.n
    }

    fn key(&self, a: usize, b: usize) -> f64 {
        sq_dist(self.row(a), self.row(b))
    }

    fn distance(&self, key: f64) -> f64 {
        if self.cosine { 0.5 * key } else { key.sqrt() }
    }
}

/// A checked, precomputed distance matrix.
pub(crate) struct Matrix {
    n: usize,
    values: Vec<f64>,
}

impl Matrix {
    /// Checks shape, finiteness, sign, symmetry and the diagonal.
    pub(crate) fn new<F: Element>(x: ArrayView2<'_, F>) -> Result<Self, Error> {
        let (rows, cols) = x.dim();
        if rows != cols {
            return Err(Error::NotSquare { rows, cols });
        }
        let values: Vec<f64> = x.iter().map(|v| v.to_f64()).collect();
        for (i, &v) in values.iter().enumerate() {
            let (row, col) = (i / cols, i % cols);
            if !v.is_finite() {
                return Err(Error::NonFinite { row, col });
            }
            if v < 0.0 {
                return Err(Error::NegativeDistance { row, col });
            }
            if row == col && v != 0.0 {
                return Err(Error::NonZeroDiagonal { row });
            }
            if v != values[col * cols + row] {
                return Err(Error::NotSymmetric { row, col });
            }
        }
        Ok(Matrix { n: rows, values })
    }
}

impl Space for Matrix {
    fn n(&self) -> usize {
        self.n
    }

    fn key(&self, a: usize, b: usize) -> f64 {
        self.values[a * self.n + b]
    }

    fn distance(&self, key: f64) -> f64 {
        key
    }
}
