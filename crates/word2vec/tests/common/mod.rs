//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod planted;

use darkdca_word2vec::Model;
use planted::PlantedSpec;

/// Mean fraction of each token's `k` nearest neighbours that are in its own
/// group, over the tokens `tokens`.
pub fn neighbour_precision(
    model: &Model<u32>,
    spec: &PlantedSpec,
    tokens: impl Iterator<Item = u32>,
    k: usize,
) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for t in tokens {
        let Some(nearest) = model.most_similar(&t, k) else { continue };
        let same = nearest.iter().filter(|s| spec.group(s.token) == spec.group(t)).count();
        sum += same as f64 / k as f64;
        n += 1;
    }
    if n == 0 { 0.0 } else { sum / n as f64 }
}
