//! The vocabulary: tokens, their counts, the batch each was last seen in,
//! and the lookup from token to row index.

use std::collections::HashMap;
use std::hash::Hash;

/// Token table in insertion order; row `i` of the weight matrices belongs to
/// `tokens[i]`.
#[derive(Debug, Clone)]
pub(crate) struct Vocab<T> {
    pub(crate) tokens: Vec<T>,
    pub(crate) counts: Vec<f64>,
    pub(crate) last_seen: Vec<u32>,
    pub(crate) index: HashMap<T, u32>,
}

impl<T: Clone + Eq + Hash> Vocab<T> {
    /// An empty vocabulary.
    pub(crate) fn new() -> Self {
        Vocab {
            tokens: Vec::new(),
            counts: Vec::new(),
            last_seen: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Rebuilds a vocabulary from stored columns; `None` if lengths differ or
    /// a token repeats.
    pub(crate) fn from_parts(
        tokens: Vec<T>,
        counts: Vec<f64>,
        last_seen: Vec<u32>,
    ) -> Option<Self> {
        if counts.len() != tokens.len() || last_seen.len() != tokens.len() {
            return None;
        }
        let mut index = HashMap::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if index.insert(t.clone(), u32::try_from(i).ok()?).is_some() {
                return None;
            }
        }
        Some(Vocab { tokens, counts, last_seen, index })
    }

    /// Number of tokens.
    pub(crate) fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Row index of a token.
    pub(crate) fn get(&self, token: &T) -> Option<usize> {
        self.index.get(token).map(|&i| i as usize)
    }

    /// Appends a token with a zero count; returns its index.
    pub(crate) fn push(&mut self, token: T, batch: u32) -> u32 {
        let idx = self.tokens.len() as u32;
        self.index.insert(token.clone(), idx);
        self.tokens.push(token);
        self.counts.push(0.0);
        self.last_seen.push(batch);
        idx
    }

    /// Keeps the tokens whose `keep` flag is set, in order, and returns the
    /// old-to-new index map (`u32::MAX` for removed tokens).
    pub(crate) fn retain(&mut self, keep: &[bool]) -> Vec<u32> {
        let mut map = vec![u32::MAX; self.len()];
        let mut next = 0usize;
        for (old, &k) in keep.iter().enumerate() {
            if k {
                map[old] = next as u32;
                self.tokens.swap(next, old);
                self.counts[next] = self.counts[old];
                self.last_seen[next] = self.last_seen[old];
                next += 1;
            }
        }
        self.tokens.truncate(next);
        self.counts.truncate(next);
        self.last_seen.truncate(next);
        self.index = self.tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retain_compacts_in_order() {
        let mut v = Vocab::new();
        for (i, t) in ["a", "b", "c", "d"].into_iter().enumerate() {
            let idx = v.push(t, i as u32);
            v.counts[idx as usize] = i as f64;
        }
        let map = v.retain(&[true, false, true, false]);
        assert_eq!(map, vec![0, u32::MAX, 1, u32::MAX]);
        assert_eq!(v.tokens, vec!["a", "c"]);
        assert_eq!(v.counts, vec![0.0, 2.0]);
        assert_eq!(v.last_seen, vec![0, 2]);
        assert_eq!(v.get(&"c"), Some(1));
        assert_eq!(v.get(&"b"), None);
    }

    #[test]
    fn from_parts_rejects_duplicates_and_ragged_columns() {
        assert!(Vocab::from_parts(vec!["a", "a"], vec![1.0, 1.0], vec![0, 0]).is_none());
        assert!(Vocab::from_parts(vec!["a"], vec![1.0, 1.0], vec![0]).is_none());
        assert!(Vocab::from_parts(vec!["a", "b"], vec![1.0, 1.0], vec![0, 0]).is_some());
    }
}
