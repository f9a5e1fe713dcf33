//! Facade of the darkdca pipeline: trace, embed, cluster, track, report.

pub use darkdca_hdbscan as hdbscan;
pub use darkdca_metrics as metrics;
pub use darkdca_trace as trace;
pub use darkdca_word2vec as word2vec;
pub use monic_dca as dca;

pub mod config;
pub mod day;
pub mod input;
pub mod output;
mod error;
pub mod labels;
mod pipeline;
pub mod profile;
pub mod result;
pub mod state;

pub use config::{CheckedConfig, Config, Preset};
pub use error::{Error, Result};
pub use labels::GroundTruth;
pub use result::{DayResult, SCHEMA_VERSION};
pub use pipeline::{Observer, Pipeline, Stage};
