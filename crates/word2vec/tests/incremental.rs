//! Incremental updates: vocabulary growth, count policies, retirement,
//! recomputed noise and subsampling, untouched vectors.

use darkdca_word2vec::{CountPolicy, Error, Model, Params};

fn params() -> darkdca_word2vec::ParamsBuilder {
    Params::builder().vector_size(8).epochs(2).seed(5)
}

fn day(tokens: &[&'static str], repeat: usize) -> Vec<Vec<&'static str>> {
    vec![tokens.to_vec(); repeat]
}

#[test]
fn count_policies_merge_counts_as_documented() {
    let cases = [
        (CountPolicy::Accumulate, 3.0 + 2.0, 3.0),
        (CountPolicy::Replace, 2.0, 0.0),
        (CountPolicy::Decay(0.5), 1.5 + 2.0, 1.5),
    ];
    for (policy, a_after, c_after) in cases {
        let p = params().count_policy(policy).build().unwrap();
        let (mut m, _) = Model::train(&p, &day(&["a", "b", "c"], 3)).unwrap();
        m.update(&day(&["a", "b"], 2)).unwrap();
        assert_eq!(m.count(&"a"), Some(a_after), "{policy:?}");
        assert_eq!(m.count(&"c"), Some(c_after), "{policy:?}");
    }
}

#[test]
fn update_adds_new_tokens_and_keeps_unseen_vectors_bit_for_bit() {
    let p = params().build().unwrap();
    let (mut m, _) = Model::train(&p, &day(&["a", "b", "c", "d"], 5)).unwrap();
    let d_before = m.vector(&"d").unwrap().to_owned();
    let a_before = m.vector(&"a").unwrap().to_owned();

    let stats = m.update(&day(&["a", "b", "e", "f"], 5)).unwrap();
    assert_eq!((stats.batch, stats.n_new_tokens, stats.vocab_size), (1, 2, 6));
    assert_eq!(m.tokens(), &["a", "b", "c", "d", "e", "f"]);
    // "d" is not in the batch: its input vector is never a context, so it stays.
    assert_eq!(m.vector(&"d").unwrap(), d_before);
    // "a" is trained further from where it was, not re-initialised.
    assert_ne!(m.vector(&"a").unwrap(), a_before);
    assert_eq!(m.last_seen(&"d"), Some(0));
    assert_eq!(m.last_seen(&"e"), Some(1));
}

#[test]
fn min_count_applies_to_new_tokens_of_each_batch() {
    let p = params().min_count(3).build().unwrap();
    let (mut m, stats) = Model::train(&p, &[vec!["a", "a", "a", "rare"]]).unwrap();
    assert_eq!((stats.vocab_size, stats.n_below_min_count), (1, 1));
    // A known token stays even when rare in the new batch.
    let stats = m.update(&[vec!["a", "rare", "rare", "rare", "x"]]).unwrap();
    assert_eq!((stats.n_new_tokens, stats.n_below_min_count), (1, 1));
    assert!(m.contains(&"rare") && !m.contains(&"x"));
}

#[test]
fn retirement_drops_tokens_unseen_for_n_batches_and_keeps_other_counts() {
    let p = params().retire_after(Some(2)).build().unwrap();
    let (mut m, _) = Model::train(&p, &day(&["a", "b", "c"], 2)).unwrap();
    let b_vector = m.vector(&"b").unwrap().to_owned();

    // Batch 1: "c" unseen for 1 batch, stays.
    let s1 = m.update(&day(&["a", "b"], 2)).unwrap();
    assert_eq!(s1.n_retired_tokens, 0);
    // Batch 2: "c" unseen for 2 batches, retired; "b" unseen for 1.
    let s2 = m.update(&day(&["a", "d"], 2)).unwrap();
    assert_eq!((s2.n_retired_tokens, s2.vocab_size), (1, 3));
    assert!(!m.contains(&"c"));
    assert_eq!(m.tokens(), &["a", "b", "d"]);
    assert_eq!(m.count(&"b"), Some(4.0));
    assert_eq!(m.count(&"a"), Some(6.0));
    // Rows moved with their tokens.
    assert_ne!(m.vector(&"b").unwrap(), b_vector, "b was trained in batch 1");
    assert_eq!(m.embeddings_for(&["b"]).unwrap().row(0), m.vector(&"b").unwrap());
    // A retired token that comes back is new again.
    let s3 = m.update(&day(&["c"], 2)).unwrap();
    assert_eq!(s3.n_new_tokens, 1);
    assert_eq!(m.count(&"c"), Some(2.0));
}

#[test]
fn noise_and_subsampling_follow_merged_counts() {
    let p = params().sample(0.01).count_policy(CountPolicy::Replace).build().unwrap();
    let mut corpus = day(&["a", "b"], 50);
    corpus.push(vec!["c"]);
    let (mut m, _) = Model::train(&p, &corpus).unwrap();
    let a_keep = m.keep_probability(&"a").unwrap();
    let c_keep = m.keep_probability(&"c").unwrap();
    assert!(a_keep < 1.0 && c_keep == 1.0, "{a_keep} {c_keep}");
    let c_noise = m.noise_probability(&"c").unwrap();

    // Next day "c" dominates: it becomes frequent, "a" disappears.
    let mut corpus = day(&["c"], 100);
    corpus.push(vec!["a"]);
    m.update(&corpus).unwrap();
    assert!(m.keep_probability(&"c").unwrap() < 1.0);
    assert_eq!(m.keep_probability(&"a"), Some(1.0));
    assert!(m.noise_probability(&"c").unwrap() > c_noise);
    assert_eq!(m.noise_probability(&"b"), Some(0.0));
}

#[test]
fn update_epochs_and_per_call_epochs() {
    let p = params().epochs(4).update_epochs(Some(1)).build().unwrap();
    let (mut m, s0) = Model::train(&p, &day(&["a", "b", "c"], 3)).unwrap();
    assert_eq!(s0.epochs, 4);
    assert_eq!(m.update(&day(&["a", "b"], 3)).unwrap().epochs, 1);
    assert_eq!(m.update_with_epochs(&day(&["a", "b"], 3), 3).unwrap().epochs, 3);
    assert!(matches!(m.update_with_epochs(&day(&["a"], 1), 0), Err(Error::Params(_))));
    // 3 sentences of 2 tokens, 3 epochs: 18 trained words.
    assert_eq!(m.update_with_epochs(&day(&["a", "b"], 3), 3).unwrap().n_trained_words, 18);
}

#[test]
fn empty_update_is_an_error_and_leaves_the_model_unchanged() {
    let p = params().build().unwrap();
    let (mut m, _) = Model::train(&p, &day(&["a", "b"], 3)).unwrap();
    let before = m.clone();
    let empty: Vec<Vec<&str>> = vec![vec![], vec![]];
    assert!(matches!(m.update(&empty), Err(Error::EmptyCorpus { n_sentences: 2 })));
    assert_eq!(m.n_batches(), before.n_batches());
    assert_eq!(m.normalized_vectors(), before.normalized_vectors());
}

#[test]
fn set_params_refuses_a_new_vector_size() {
    let p = params().build().unwrap();
    let (mut m, _) = Model::train(&p, &day(&["a", "b"], 3)).unwrap();
    let bigger = params().vector_size(9).build().unwrap();
    assert!(matches!(
        m.set_params(bigger),
        Err(Error::IncompatibleParams { name: "vector_size", .. })
    ));
    m.set_params(params().update_epochs(Some(7)).build().unwrap()).unwrap();
    assert_eq!(m.update(&day(&["a"], 1)).unwrap().epochs, 7);
}
