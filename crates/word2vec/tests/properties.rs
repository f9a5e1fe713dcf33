//! Property tests of invariants that hold for any corpus.

use std::collections::BTreeMap;

use darkdca_word2vec::{Model, Params};
use proptest::prelude::*;

fn corpus() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(0u8..30, 0..12), 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The vocabulary is exactly the tokens with at least `min_count`
    /// occurrences, counts are occurrence counts, and every trained vector is
    /// finite.
    #[test]
    fn vocabulary_and_counts_match_the_corpus(c in corpus(), min_count in 1u64..4) {
        let mut counts = BTreeMap::new();
        for t in c.iter().flatten() {
            *counts.entry(*t).or_insert(0u64) += 1;
        }
        let p = Params::builder().vector_size(4).epochs(1).min_count(min_count).build().unwrap();
        match Model::train(&p, &c) {
            Ok((m, stats)) => {
                let expected: Vec<u8> = counts.iter().filter(|(_, n)| **n >= min_count).map(|(t, _)| *t).collect();
                let mut got = m.tokens().to_vec();
                got.sort_unstable();
                prop_assert_eq!(got, expected);
                for t in m.tokens() {
                    prop_assert_eq!(m.count(t), Some(counts[t] as f64));
                    prop_assert!(m.vector(t).unwrap().iter().all(|x| x.is_finite()));
                }
                prop_assert_eq!(stats.n_tokens, counts.values().sum::<u64>() as usize);
            }
            Err(darkdca_word2vec::Error::EmptyCorpus { .. }) => prop_assert!(counts.is_empty()),
            Err(darkdca_word2vec::Error::NothingAboveMinCount { .. }) => {
                prop_assert!(counts.values().all(|n| *n < min_count));
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    /// Save then load gives the same model, for any trained corpus.
    #[test]
    fn save_load_round_trips(c in corpus()) {
        prop_assume!(c.iter().any(|s| !s.is_empty()));
        let p = Params::builder().vector_size(3).epochs(1).build().unwrap();
        let (m, _) = Model::train(&p, &c).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        m.save(&path).unwrap();
        let back = Model::<u8>::load(&path).unwrap();
        prop_assert_eq!(back.tokens(), m.tokens());
        prop_assert_eq!(back.normalized_vectors(), m.normalized_vectors());
    }

    /// Updates keep the vocabulary a superset of the old one without
    /// retirement, and counts under `Accumulate` add up.
    #[test]
    fn accumulated_updates_add_counts(a in corpus(), b in corpus()) {
        prop_assume!(a.iter().any(|s| !s.is_empty()) && b.iter().any(|s| !s.is_empty()));
        let p = Params::builder().vector_size(3).epochs(1).build().unwrap();
        let (mut m, _) = Model::train(&p, &a).unwrap();
        let old: Vec<u8> = m.tokens().to_vec();
        m.update(&b).unwrap();
        prop_assert_eq!(&m.tokens()[..old.len()], &old[..]);
        for t in m.tokens() {
            let n = a.iter().chain(&b).flatten().filter(|x| *x == t).count();
            prop_assert_eq!(m.count(t), Some(n as f64));
        }
    }
}
