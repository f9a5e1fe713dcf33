//! Agreement between two partitions: ARI, NMI and AMI.
//!
//! The formulas, special cases and default normalisation are scikit-learn's
//! (`adjusted_rand_score`, `normalized_mutual_info_score` and
//! `adjusted_mutual_info_score`, version 1.x). Labels are compared only for
//! equality, so any hashable type works and the noise label `-1` is simply one
//! more group, as in scikit-learn. Empty input is an error here, where
//! scikit-learn returns 1.

use std::collections::HashMap;
use std::hash::Hash;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::special::ln_factorial;
use crate::{Error, Result};

/// How the two entropies are averaged to normalise mutual information.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AverageMethod {
    /// `min(H(a), H(b))`.
    Min,
    /// `sqrt(H(a) H(b))`.
    Geometric,
    /// `(H(a) + H(b)) / 2`, scikit-learn's default.
    #[default]
    Arithmetic,
    /// `max(H(a), H(b))`.
    Max,
}

impl AverageMethod {
    fn average(self, u: f64, v: f64) -> f64 {
        match self {
            Self::Min => u.min(v),
            Self::Geometric => (u * v).sqrt(),
            Self::Arithmetic => (u + v) / 2.0,
            Self::Max => u.max(v),
        }
    }
}

/// The contingency table of two labelings, kept sparse.
struct Contingency {
    /// Number of points.
    n: u64,
    /// Points per group of the first labeling.
    a: Vec<u64>,
    /// Points per group of the second labeling.
    b: Vec<u64>,
    /// Non-zero cells `(i, j, n_ij)` in row-major order.
    cells: Vec<(usize, usize, u64)>,
}

impl Contingency {
    fn new<A: Hash + Eq, B: Hash + Eq>(a: &[A], b: &[B]) -> Result<Self> {
        if a.is_empty() {
            return Err(Error::Empty { what: "labels" });
        }
        if a.len() != b.len() {
            return Err(Error::LengthMismatch {
                what: "second labeling",
                expected: a.len(),
                found: b.len(),
            });
        }
        let (ia, na) = dense_ids(a);
        let (ib, nb) = dense_ids(b);
        let mut pairs: Vec<(usize, usize)> = ia.into_iter().zip(ib).collect();
        pairs.sort_unstable();

        let mut table =
            Self { n: a.len() as u64, a: vec![0; na], b: vec![0; nb], cells: Vec::new() };
        for (i, j) in pairs {
            table.a[i] += 1;
            table.b[j] += 1;
            match table.cells.last_mut() {
                Some((li, lj, count)) if (*li, *lj) == (i, j) => *count += 1,
                _ => table.cells.push((i, j, 1)),
            }
        }
        Ok(table)
    }

    /// Mutual information in nats, as scikit-learn's `mutual_info_score`.
    fn mutual_info(&self) -> f64 {
        if self.a.len() == 1 || self.b.len() == 1 {
            return 0.0;
        }
        let n = self.n as f64;
        let ln_n = n.ln();
        let mi: f64 = self
            .cells
            .iter()
            .map(|&(i, j, count)| {
                let p = count as f64 / n;
                let outer = (self.a[i] as f64) * (self.b[j] as f64);
                let term = p * ((count as f64).ln() - ln_n) + p * (2.0 * ln_n - outer.ln());
                if term.abs() < f64::EPSILON { 0.0 } else { term }
            })
            .sum();
        mi.max(0.0)
    }

    /// Expected mutual information under the permutation model, exactly.
    ///
    /// Every term is evaluated in log space with `ln(m!)` (a table of `n + 1`
    /// values), so nothing overflows; the cost is the sum over cell pairs
    /// `(i, j)` of the number of feasible `n_ij`, at most `O(R * C * n)`,
    /// spread over the cores by row.
    fn expected_mutual_info(&self) -> f64 {
        if self.a.len() == 1 || self.b.len() == 1 {
            return 0.0;
        }
        let n = self.n;
        let nf = n as f64;
        let ln_n = nf.ln();
        // ln(m!) for every m the sums below can ask for: 0..=n.
        let ln_fact: Vec<f64> = (0..=n).map(ln_factorial).collect();
        let lf = |m: u64| ln_fact[m as usize];
        let ln_int: Vec<f64> = (0..=n).map(|m| (m as f64).ln()).collect();
        let prepare = |sizes: &[u64]| -> Vec<(u64, f64, f64)> {
            sizes.iter().map(|&s| (s, (s as f64).ln(), lf(s) + lf(n - s))).collect()
        };
        let rows = prepare(&self.a);
        let columns = prepare(&self.b);
        let ln_fact_n = lf(n);

        let per_row: Vec<f64> = rows
            .par_iter()
            .map(|&(a, ln_a, gln_a)| {
                let mut emi = 0.0;
                for &(b, ln_b, gln_b) in &columns {
                    let start = (a + b).saturating_sub(n).max(1);
                    let end = a.min(b);
                    for nij in start..=end {
                        let nijf = nij as f64;
                        let log_term = ln_n + ln_int[nij as usize] - ln_a - ln_b;
                        let gln = gln_a + gln_b
                            - lf(nij)
                            - ln_fact_n
                            - lf(a - nij)
                            - lf(b - nij)
                            - lf(n + nij - a - b);
                        emi += nijf / nf * log_term * gln.exp();
                    }
                }
                emi
            })
            .collect();
        per_row.iter().sum()
    }
}

/// Dense ids in order of first appearance, and their number.
fn dense_ids<L: Hash + Eq>(labels: &[L]) -> (Vec<usize>, usize) {
    let mut ids: HashMap<&L, usize> = HashMap::new();
    let dense = labels
        .iter()
        .map(|label| {
            let next = ids.len();
            *ids.entry(label).or_insert(next)
        })
        .collect();
    (dense, ids.len())
}

/// Entropy in nats of a labeling given its group sizes.
fn entropy(sizes: &[u64], n: u64) -> f64 {
    if sizes.len() == 1 {
        return 0.0;
    }
    let n = n as f64;
    let ln_n = n.ln();
    -sizes.iter().map(|&s| (s as f64 / n) * ((s as f64).ln() - ln_n)).sum::<f64>()
}

/// The adjusted Rand index of two labelings of the same points.
///
/// As for every agreement score here, formulas and special cases are
/// scikit-learn's, labels are only compared for equality (any hashable type),
/// and the noise label `-1` is one more group.
///
/// 1 for identical partitions (up to renaming), about 0 for independent ones,
/// possibly negative. Computed from the pair-confusion matrix in 128-bit
/// integers, so it is exact up to the final division.
///
/// # Errors
///
/// [`Error::Empty`] for no points, [`Error::LengthMismatch`] if the labelings
/// differ in length.
pub fn adjusted_rand_index<A: Hash + Eq, B: Hash + Eq>(a: &[A], b: &[B]) -> Result<f64> {
    let table = Contingency::new(a, b)?;
    let square = |v: u64| i128::from(v) * i128::from(v);
    let n = i128::from(table.n);
    let sum_squares: i128 = table.cells.iter().map(|&(_, _, c)| square(c)).sum();
    let a_squares: i128 = table.a.iter().map(|&s| square(s)).sum();
    let b_squares: i128 = table.b.iter().map(|&s| square(s)).sum();

    // Pair counts as in scikit-learn's pair_confusion_matrix (each pair twice).
    let tp = sum_squares - n;
    let fp = b_squares - sum_squares;
    let fn_ = a_squares - sum_squares;
    let tn = n * n - fp - fn_ - sum_squares;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let numerator = 2 * (tp * tn - fn_ * fp);
    let denominator = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
    Ok(numerator as f64 / denominator as f64)
}

/// Normalised mutual information with the arithmetic mean of the entropies
/// (scikit-learn's default).
///
/// # Errors
///
/// As [`adjusted_rand_index`].
pub fn normalized_mutual_info<A: Hash + Eq, B: Hash + Eq>(a: &[A], b: &[B]) -> Result<f64> {
    normalized_mutual_info_with(a, b, AverageMethod::Arithmetic)
}

/// Normalised mutual information with a chosen average of the entropies.
///
/// Two labelings that each put every point in one group score 1; otherwise
/// zero mutual information scores 0.
///
/// # Errors
///
/// As [`adjusted_rand_index`].
pub fn normalized_mutual_info_with<A: Hash + Eq, B: Hash + Eq>(
    a: &[A],
    b: &[B],
    average: AverageMethod,
) -> Result<f64> {
    let table = Contingency::new(a, b)?;
    if table.a.len() == 1 && table.b.len() == 1 {
        return Ok(1.0);
    }
    let mi = table.mutual_info();
    if mi.abs() < f64::EPSILON {
        return Ok(0.0);
    }
    let normalizer = average.average(entropy(&table.a, table.n), entropy(&table.b, table.n));
    Ok(mi / normalizer)
}

/// Adjusted mutual information with the arithmetic mean of the entropies
/// (scikit-learn's default).
///
/// # Errors
///
/// As [`adjusted_rand_index`].
pub fn adjusted_mutual_info<A: Hash + Eq, B: Hash + Eq>(a: &[A], b: &[B]) -> Result<f64> {
    adjusted_mutual_info_with(a, b, AverageMethod::Arithmetic)
}

/// Adjusted mutual information with a chosen average of the entropies.
///
/// `AMI = (MI - E[MI]) / (avg(H(a), H(b)) - E[MI])`, with the exact expected
/// mutual information of Vinh, Epps and Bailey (2010). Two labelings that each
/// put every point in one group score 1. The cost is up to
/// `O(R * C * n)` for `R` and `C` groups; in practice the sum over group pairs
/// of the smaller group size.
///
/// # Errors
///
/// As [`adjusted_rand_index`].
pub fn adjusted_mutual_info_with<A: Hash + Eq, B: Hash + Eq>(
    a: &[A],
    b: &[B],
    average: AverageMethod,
) -> Result<f64> {
    let table = Contingency::new(a, b)?;
    if table.a.len() == 1 && table.b.len() == 1 {
        return Ok(1.0);
    }
    let mi = table.mutual_info();
    let emi = table.expected_mutual_info();
    let normalizer = average.average(entropy(&table.a, table.n), entropy(&table.b, table.n));
    // Rounding can make E[MI] exceed the normaliser slightly for a perfect
    // match; keep the sign and stay away from zero, as scikit-learn does.
    let denominator = normalizer - emi;
    let denominator = if denominator < 0.0 {
        denominator.min(-f64::EPSILON)
    } else {
        denominator.max(f64::EPSILON)
    };
    Ok((mi - emi) / denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contingency_counts_cells_and_margins() -> Result<()> {
        let t = Contingency::new(&["x", "x", "y", "y", "y"], &[1, 2, 2, 2, 1])?;
        assert_eq!(t.a, [2, 3]);
        assert_eq!(t.b, [2, 3]);
        assert_eq!(t.cells, [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 2)]);
        Ok(())
    }

    #[test]
    fn ari_by_hand() -> Result<()> {
        // a = [0,0,1,1], b = [0,0,0,1]: contingency [[2,0],[1,1]].
        // sum_squares = 6, tp = 2, a_sq = 8, b_sq = 10, fp = 4, fn = 2,
        // tn = 16 - 4 - 2 - 6 = 4. ARI = 2 (2*4 - 2*4) / (...) = 0.
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 0, 1])?, 0.0);
        Ok(())
    }

    #[test]
    fn expected_mutual_info_of_two_halves() -> Result<()> {
        // n = 4, a = b = [2, 2]. n_ij ranges over 1..=2 for each of 4 cells:
        // P(n_ij = 1) = 4/6, P(n_ij = 2) = 1/6 (hypergeometric);
        // term(1) = 1/4 ln(4*1/4) = 0, term(2) = 2/4 ln(4*2/4) = ln 2 / 2.
        // E[MI] = 4 * (1/6) * ln 2 / 2 = ln 2 / 3.
        let t = Contingency::new(&[0, 0, 1, 1], &[0, 1, 0, 1])?;
        assert!((t.expected_mutual_info() - 2f64.ln() / 3.0).abs() < 1e-14);
        Ok(())
    }

    #[test]
    fn errors_on_bad_input() {
        let empty: [i32; 0] = [];
        assert_eq!(adjusted_rand_index(&empty, &empty), Err(Error::Empty { what: "labels" }));
        assert_eq!(
            adjusted_mutual_info(&[1, 2], &[1]),
            Err(Error::LengthMismatch { what: "second labeling", expected: 2, found: 1 })
        );
    }
}
