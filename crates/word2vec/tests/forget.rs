//! `Model::forget`: moving vectors back towards a fresh start before an
//! update, so that tokens whose company changed stop looking alike.

mod common;

use common::neighbour_precision;
use common::planted::PlantedSpec;
use darkdca_word2vec::{Error, Model, Params, ParamsError};

fn params() -> Params {
    Params::builder().vector_size(16).epochs(3).seed(9).build().unwrap()
}

fn corpus() -> Vec<Vec<&'static str>> {
    vec![vec!["a", "b", "c", "d", "e"]; 20]
}

#[test]
fn zero_is_a_bit_for_bit_no_op() {
    let (mut m, _) = Model::train(&params(), &corpus()).unwrap();
    let (before, out_before) =
        (m.vector(&"a").unwrap().to_owned(), m.output_vector(&"a").unwrap().to_owned());
    m.forget(0.0).unwrap();
    assert_eq!(m.vector(&"a").unwrap(), before);
    assert_eq!(m.output_vector(&"a").unwrap(), out_before);
}

#[test]
fn a_share_blends_towards_fresh_inputs_and_zero_outputs() {
    let (trained, _) = Model::train(&params(), &corpus()).unwrap();
    let dim = 16.0f32;
    for share in [0.25f32, 0.5, 1.0] {
        let mut m = trained.clone();
        m.forget(share).unwrap();
        for t in ["a", "b", "c", "d", "e"] {
            let (old, new) = (trained.vector(&t).unwrap(), m.vector(&t).unwrap());
            // new = (1 - share) old + share * fresh, fresh in [-0.5, 0.5) / dim.
            for (o, n) in old.iter().zip(new.iter()) {
                let fresh_part = n - (1.0 - share) * o;
                assert!(fresh_part.abs() <= share * 0.5 / dim + 1e-6, "{share} {t}: {fresh_part}");
            }
            assert_ne!(old, new);
            let (old_out, new_out) =
                (trained.output_vector(&t).unwrap(), m.output_vector(&t).unwrap());
            for (o, n) in old_out.iter().zip(new_out.iter()) {
                assert!((n - (1.0 - share) * o).abs() <= 1e-7);
            }
        }
    }
    // Deterministic: the same model forgets the same way.
    let (mut a, mut b) = (trained.clone(), trained);
    a.forget(0.5).unwrap();
    b.forget(0.5).unwrap();
    assert_eq!(a.vector(&"c").unwrap(), b.vector(&"c").unwrap());
}

#[test]
fn a_share_outside_zero_one_is_refused_and_changes_nothing() {
    let (mut m, _) = Model::train(&params(), &corpus()).unwrap();
    let before = m.vector(&"a").unwrap().to_owned();
    for bad in [-0.1f32, 1.5, f32::NAN, f32::INFINITY] {
        match m.forget(bad) {
            Err(Error::Params(ParamsError::ForgetOutOfRange { .. })) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(m.vector(&"a").unwrap(), before);
}

/// Groups of 40 tokens on the first batch are split in halves of 20 on the
/// second. With a short update the halves keep their old neighbours unless
/// the model forgets part of what it learnt.
#[test]
fn forgetting_lets_a_split_show_after_a_short_update() {
    let before = PlantedSpec {
        n_tokens: 400,
        group_size: 40,
        n_sentences: 200,
        sentence_len: 400,
        run_len: 40,
        seed: 3,
    };
    let after = PlantedSpec { group_size: 20, seed: 4, n_sentences: 10, ..before };
    let p =
        Params::builder().vector_size(32).epochs(5).update_epochs(Some(3)).seed(2).build().unwrap();
    let (trained, _) = Model::train(&p, &before.generate(0)).unwrap();
    let precision = |share: f32| {
        let mut m = trained.clone();
        m.forget(share).unwrap();
        m.update(&after.generate(0)).unwrap();
        neighbour_precision(&m, &after, 0..400, 10)
    };
    let (kept, forgot) = (precision(0.0), precision(0.5));
    assert!(forgot > kept + 0.04, "halves found: {forgot} with forgetting, {kept} without");
}
