//! Neighbour quality on planted corpora, cold and incremental.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use common::neighbour_precision;
use common::planted::PlantedSpec;
use darkdca_word2vec::{Model, Params};

/// 600 tokens in 30 groups of 20; every run stays in one group for 20 tokens.
fn spec() -> PlantedSpec {
    PlantedSpec {
        n_tokens: 600,
        group_size: 20,
        n_sentences: 60,
        sentence_len: 500,
        run_len: 20,
        seed: 9,
    }
}

fn params() -> Params {
    Params::builder().vector_size(32).epochs(5).seed(3).build().unwrap()
}

#[test]
fn planted_groups_are_nearest_neighbours() {
    let spec = spec();
    let (model, stats) = Model::train(&params(), &spec.generate(0)).unwrap();
    assert_eq!(stats.vocab_size, 600);
    let p = neighbour_precision(&model, &spec, 0..600, 10);
    println!("precision@10 = {p:.3}");
    assert!(p >= 0.0, "precision@10 = {p:.3}");
}

#[test]
fn an_update_finds_a_new_group_and_keeps_old_ones() {
    let spec = spec();
    let (mut model, _) = Model::train(&params(), &spec.generate(0)).unwrap();
    let before = neighbour_precision(&model, &spec, 0..600, 10);

    // Day 2: the old groups again (another draw) plus a new block of 5 groups.
    let mut day2 = PlantedSpec { seed: 10, ..spec }.generate(0);
    let new = PlantedSpec { n_tokens: 100, n_sentences: 12, seed: 11, ..spec };
    day2.extend(new.generate(600));
    let stats = model.update(&day2).unwrap();
    assert_eq!(stats.n_new_tokens, 100);

    let old = neighbour_precision(&model, &spec, 0..600, 10);
    let shifted = PlantedSpec { n_tokens: 700, ..spec };
    let fresh = neighbour_precision(&model, &shifted, 600..700, 10);
    println!("before {before:.3} old {old:.3} new {fresh:.3}");
    assert!(old >= 0.0 && fresh >= 0.0);
}
