//! Whether a batch's sequences still hold each cluster together.
//!
//! An incremental embedding remembers: a cluster found today may rest on what
//! its members did on earlier days, even when they no longer act together.
//! The sequences the embedding learns from (in darkdca, the senders of one
//! service in time order) say what the members do today. An occurrence of a
//! cluster member is *supported* when another member of the same cluster
//! appears within `window` positions of it in the same sequence, the context
//! a skip-gram model learns from. A cluster whose members are never near each
//! other today has a support share near 0, whatever its embeddings say.

use std::collections::BTreeMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Occurrences of one cluster's members in a batch, and how many of them
/// had a fellow member within the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSupport {
    /// Positions held by a member of the cluster, over all sequences.
    pub occurrences: u64,
    /// Those with another member of the same cluster within the window.
    pub supported: u64,
}

impl WindowSupport {
    /// `supported / occurrences`, 0 for a cluster that never occurs.
    pub fn share(&self) -> f64 {
        if self.occurrences == 0 { 0.0 } else { self.supported as f64 / self.occurrences as f64 }
    }
}

/// The [`WindowSupport`] of every cluster that occurs in `sequences`, by
/// cluster label in ascending order.
///
/// `cluster_of` gives a token's cluster label, negative (such as `-1`) for
/// noise and for tokens outside the clustering; those tokens take positions
/// (they separate members) but are not scored. Another occurrence of the
/// same token does not support itself: a sequence that repeats one sender
/// holds no group together.
///
/// Runs in `O(n · window)` for `n` tokens over all sequences.
///
/// # Errors
///
/// [`Error::ZeroWindow`] when `window` is 0.
///
/// # Example
///
/// ```
/// use darkdca_metrics::window_support;
///
/// # fn main() -> Result<(), darkdca_metrics::Error> {
/// // Cluster 0 = {a, b} travels together; cluster 1 = {c, d} does not.
/// let day = [vec!["a", "b", "x", "c", "y", "z", "d"]];
/// let cluster = |t: &&str| match *t {
///     "a" | "b" => 0,
///     "c" | "d" => 1,
///     _ => -1,
/// };
/// let support = window_support(&day, cluster, 2)?;
/// assert_eq!(support[&0].share(), 1.0);
/// assert_eq!(support[&1].share(), 0.0);
/// # Ok(())
/// # }
/// ```
pub fn window_support<T, S>(
    sequences: &[S],
    cluster_of: impl Fn(&T) -> i32,
    window: usize,
) -> Result<BTreeMap<i32, WindowSupport>>
where
    T: Eq + Hash,
    S: AsRef<[T]>,
{
    if window == 0 {
        return Err(Error::ZeroWindow);
    }
    let mut out: BTreeMap<i32, WindowSupport> = BTreeMap::new();
    let mut labels = Vec::new();
    for sequence in sequences {
        let tokens = sequence.as_ref();
        labels.clear();
        labels.extend(tokens.iter().map(&cluster_of));
        for (p, &label) in labels.iter().enumerate() {
            if label < 0 {
                continue;
            }
            let lo = p.saturating_sub(window);
            let hi = (p + window).min(labels.len() - 1);
            let supported =
                (lo..=hi).any(|c| c != p && labels[c] == label && tokens[c] != tokens[p]);
            let entry = out.entry(label).or_default();
            entry.occurrences += 1;
            entry.supported += u64::from(supported);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(t: &u32) -> i32 {
        match *t {
            0..10 => 0,
            10..20 => 1,
            _ => -1,
        }
    }

    #[test]
    fn counts_hand_worked_windows() {
        // window 1: positions 0 (0) and 1 (1) are neighbours but in different
        // clusters; 2 (2) and 3 (3) support each other; 4 (10) is next to 3
        // only; 5 (99) is noise; 6 (11) is alone.
        let s = [vec![0u32, 10, 2, 3, 10, 99, 11]];
        let got = window_support(&s, of, 1).unwrap();
        assert_eq!(got[&0], WindowSupport { occurrences: 3, supported: 2 });
        assert_eq!(got[&1], WindowSupport { occurrences: 3, supported: 0 });
        // window 2: 10 at 1 and 10 at 4 are the same token, 3 apart, and 11 at
        // 6 is 2 from 10 at 4.
        let got = window_support(&s, of, 2).unwrap();
        assert_eq!(got[&0], WindowSupport { occurrences: 3, supported: 3 });
        assert_eq!(got[&1], WindowSupport { occurrences: 3, supported: 2 });
    }

    #[test]
    fn the_same_token_repeated_supports_nothing_and_sequences_are_separate() {
        let s = [vec![5u32, 5, 5], vec![6], vec![7, 50, 50, 8]];
        let got = window_support(&s, of, 3).unwrap();
        // 5 only has itself; 6 is alone in its sequence; 7 and 8 are 3 apart.
        assert_eq!(got[&0], WindowSupport { occurrences: 6, supported: 2 });
        assert_eq!(got[&0].share(), 2.0 / 6.0);
        assert!(!got.contains_key(&1));
    }

    #[test]
    fn zero_window_is_an_error_and_empty_input_gives_nothing() {
        assert_eq!(window_support(&[vec![1u32]], of, 0), Err(Error::ZeroWindow));
        assert!(window_support::<u32, Vec<u32>>(&[], of, 5).unwrap().is_empty());
        assert_eq!(WindowSupport::default().share(), 0.0);
    }
}
