//! `Model::update_with` and `Passes::new_token_epochs`: further passes that
//! train only the tokens an update adds, against the rest of the model held
//! fixed.

mod common;

use common::neighbour_precision;
use common::planted::PlantedSpec;
use darkdca_word2vec::{Error, Model, Params, Passes};

/// 400 known tokens in groups of 40.
fn known() -> PlantedSpec {
    PlantedSpec {
        n_tokens: 400,
        group_size: 40,
        n_sentences: 100,
        sentence_len: 400,
        run_len: 40,
        seed: 3,
    }
}

/// 60 new tokens (ids 1000 to 1059) in groups of 20, each seen only a
/// few times on the day they appear.
fn newcomers() -> PlantedSpec {
    PlantedSpec {
        n_tokens: 1060,
        group_size: 20,
        n_sentences: 1,
        sentence_len: 240,
        run_len: 20,
        seed: 5,
    }
}

fn params() -> Params {
    Params::builder().vector_size(32).epochs(5).update_epochs(Some(2)).seed(2).build().unwrap()
}

/// The second batch: known tokens as before, and the newcomers' sentences
/// (tokens 1000 to 1059 only: the planted generator draws from all groups,
/// so keep the new ones).
fn second_batch() -> Vec<Vec<u32>> {
    let mut batch = PlantedSpec { seed: 4, n_sentences: 20, ..known() }.generate(0);
    let spec = newcomers();
    let new_only: Vec<Vec<u32>> = PlantedSpec { n_sentences: 400, ..spec }
        .generate(0)
        .into_iter()
        .map(|s| s.into_iter().filter(|&t| t >= 1000).collect::<Vec<_>>())
        .filter(|s| s.len() > 1)
        .take(12)
        .collect();
    batch.extend(new_only);
    batch
}

#[test]
fn extra_passes_move_only_the_new_tokens_input_vectors() {
    let (trained, _) = Model::train(&params(), &known().generate(0)).unwrap();
    let batch = second_batch();
    let (mut plain, mut extra) = (trained.clone(), trained);
    let s_plain = plain.update_with(&batch, Passes { epochs: 2, new_token_epochs: 0 }).unwrap();
    let s_extra = extra.update_with(&batch, Passes { epochs: 2, new_token_epochs: 4 }).unwrap();
    assert_eq!((s_plain.new_token_epochs, s_extra.new_token_epochs), (0, 4));
    assert!(s_extra.n_pairs > s_plain.n_pairs);
    assert_eq!(s_plain.n_new_tokens, s_extra.n_new_tokens);
    assert!(s_extra.n_new_tokens > 0);

    for t in plain.tokens() {
        // Outputs are held fixed in the extra passes, for every token.
        assert_eq!(plain.output_vector(t), extra.output_vector(t), "output of {t}");
        if *t < 1000 {
            assert_eq!(plain.vector(t), extra.vector(t), "known token {t}");
        } else {
            assert_ne!(plain.vector(t), extra.vector(t), "new token {t}");
        }
    }
}

#[test]
fn extra_passes_tighten_a_group_of_new_tokens() {
    let (trained, _) = Model::train(&params(), &known().generate(0)).unwrap();
    let batch = second_batch();
    let spec = newcomers();
    let precision = |new_token_epochs: usize| {
        let mut m = trained.clone();
        m.update_with(&batch, Passes { epochs: 2, new_token_epochs }).unwrap();
        let new_tokens: Vec<u32> = m.tokens().iter().copied().filter(|&t| t >= 1000).collect();
        neighbour_precision(&m, &spec, new_tokens.into_iter(), 5)
    };
    let (without, with) = (precision(0), precision(10));
    assert!(with > without + 0.05, "new groups found: {with} with extra passes, {without} without");
}

#[test]
fn an_update_without_new_tokens_makes_no_extra_pass() {
    let (trained, _) = Model::train(&params(), &known().generate(0)).unwrap();
    let batch = PlantedSpec { seed: 4, n_sentences: 10, ..known() }.generate(0);
    let (mut plain, mut extra) = (trained.clone(), trained);
    plain.update_with_epochs(&batch, 2).unwrap();
    let stats = extra.update_with(&batch, Passes { epochs: 2, new_token_epochs: 3 }).unwrap();
    assert_eq!((stats.n_new_tokens, stats.new_token_epochs), (0, 0));
    for t in [0u32, 77, 399] {
        assert_eq!(plain.vector(&t), extra.vector(&t));
    }
}

#[test]
fn extra_passes_are_deterministic_and_zero_epochs_is_refused() {
    let (trained, _) = Model::train(&params(), &known().generate(0)).unwrap();
    let batch = second_batch();
    let passes = Passes { epochs: 2, new_token_epochs: 3 };
    let (mut a, mut b) = (trained.clone(), trained.clone());
    a.update_with(&batch, passes).unwrap();
    b.update_with(&batch, passes).unwrap();
    for t in [0u32, 1000, 1059] {
        assert_eq!(a.vector(&t), b.vector(&t), "{t}");
    }
    let mut c = trained;
    let refused = c.update_with(&batch, Passes { epochs: 0, new_token_epochs: 3 });
    assert!(matches!(refused, Err(Error::Params(_))), "{refused:?}");
    assert!(!c.contains(&1000), "a refused update leaves the model unchanged");
}
