//! Determinism, threads, sentence handling and error cases of training.

mod common;

use common::planted::PlantedSpec;
use darkdca_word2vec::{Error, Model, Params, ParamsError};

fn small_spec() -> PlantedSpec {
    PlantedSpec {
        n_tokens: 200,
        group_size: 10,
        n_sentences: 20,
        sentence_len: 300,
        run_len: 15,
        seed: 1,
    }
}

#[test]
fn one_thread_and_a_seed_give_bit_identical_models() {
    let corpus = small_spec().generate(0);
    let p = Params::builder().vector_size(16).epochs(2).sample(1e-3).seed(99).build().unwrap();
    let (a, sa) = Model::train(&p, &corpus).unwrap();
    let (b, sb) = Model::train(&p, &corpus).unwrap();
    assert_eq!((sa.n_trained_words, sa.n_pairs), (sb.n_trained_words, sb.n_pairs));
    for t in a.tokens() {
        let (va, vb) = (a.vector(t).unwrap(), b.vector(t).unwrap());
        assert!(va.iter().zip(vb.iter()).all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    // Another seed gives other vectors.
    let p2 = p.to_builder().seed(100).build().unwrap();
    let (c, _) = Model::train(&p2, &corpus).unwrap();
    assert_ne!(a.vector(&0), c.vector(&0));
}

#[test]
fn two_threads_train_every_word_and_learn_the_groups() {
    // Enough words for several jobs, so both workers get some.
    let spec = PlantedSpec { n_sentences: 80, ..small_spec() };
    let corpus = spec.generate(0);
    let p = Params::builder().vector_size(16).epochs(3).threads(2).build().unwrap();
    let (m, stats) = Model::train(&p, &corpus).unwrap();
    assert_eq!(stats.n_trained_words, 3 * 80 * 300);
    let p10 = common::neighbour_precision(&m, &spec, 0..200, 5);
    assert!(p10 > 0.9, "precision@5 with 2 threads = {p10}");
}

#[test]
fn long_sentences_are_trained_whole_unless_cut() {
    // One sentence of 25,000 tokens: more than gensim's 10,000 cut.
    let sentence: Vec<u32> = (0..25_000).map(|i| i % 50).collect();
    let p = Params::builder().vector_size(4).epochs(1).build().unwrap();
    let (_, whole) = Model::train(&p, std::slice::from_ref(&sentence)).unwrap();
    assert_eq!(whole.n_trained_words, 25_000);

    let cut = p.to_builder().max_sentence_len(Some(10_000)).build().unwrap();
    let (_, gensim_like) = Model::train(&cut, &[sentence]).unwrap();
    assert_eq!(gensim_like.n_trained_words, 10_000);
}

#[test]
fn pairs_follow_the_reduced_window() {
    // Window 1 always reduces to 1: each inner position has 2 pairs, the ends 1.
    let p = Params::builder().vector_size(4).window(1).epochs(1).build().unwrap();
    let (_, s) = Model::train(&p, &[vec![1, 2, 3, 4, 5]]).unwrap();
    assert_eq!(s.n_pairs, 8);
}

#[test]
fn bad_input_gives_typed_errors() {
    let p = Params::builder().vector_size(4).build().unwrap();
    let empty: Vec<Vec<u32>> = Vec::new();
    assert!(matches!(Model::train(&p, &empty), Err(Error::EmptyCorpus { n_sentences: 0 })));
    assert!(matches!(
        Model::train(&p, &[Vec::<u32>::new()]),
        Err(Error::EmptyCorpus { n_sentences: 1 })
    ));

    let strict = p.to_builder().min_count(5).build().unwrap();
    assert!(matches!(
        Model::train(&strict, &[vec![1, 2, 2]]),
        Err(Error::NothingAboveMinCount { min_count: 5, n_distinct: 2 })
    ));
    assert_eq!(Params::builder().vector_size(0).build(), Err(ParamsError::ZeroVectorSize));

    let (m, _) = Model::train(&p, &[vec![1, 2, 3]]).unwrap();
    assert!(matches!(m.embeddings_for(&[1, 9, 2]), Err(Error::UnknownToken { position: 1 })));
    assert!(m.most_similar(&9, 3).is_none());
    assert!(m.vector(&9).is_none());
}

#[test]
fn queries_have_stable_shapes_and_orders() {
    let p = Params::builder().vector_size(4).epochs(1).build().unwrap();
    let (m, _) = Model::train(&p, &[vec![30u32, 10, 20, 10]]).unwrap();
    assert_eq!(m.tokens(), &[30, 10, 20]);
    let all = m.normalized_vectors();
    assert_eq!(all.tokens(), &[10, 20, 30]);
    for row in all.vectors().rows() {
        assert!((row.dot(&row) - 1.0).abs() < 1e-5);
    }
    let picked = m.embeddings_for(&[20, 30]).unwrap();
    assert_eq!(picked.row(0), m.vector(&20).unwrap());
    assert_eq!(picked.row(1), m.vector(&30).unwrap());
    let norm = m.normalized_embeddings_for(&[20]).unwrap();
    assert_eq!(norm.row(0), all.get(&20).unwrap());
    let near = m.most_similar(&10, 5).unwrap();
    assert_eq!(near.len(), 2);
    assert!(near[0].cosine >= near[1].cosine);
    assert!(m.most_similar(&10, 0).unwrap().is_empty());
}
