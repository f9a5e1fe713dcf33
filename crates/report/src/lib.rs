//! The analyst's report of a darkdca run: one self-contained HTML page with
//! SVG plots.
//!
//! The caller fills a [`ReportInput`] (run summary, one [`DaySummary`] per
//! processed day, the [`Lineage`]s with their [`LineageLink`]s, and the
//! [`NovelCluster`]s with their [`Profile`] and activity [`Raster`]) and calls
//! [`render_html`] for the page as a string or [`write_report`] to write
//! `index.html` atomically. The crate does not depend on the rest of darkdca:
//! the input is plain serde data, versioned by [`SCHEMA_VERSION`], so a run can
//! also store it as JSON and redraw the page later with
//! [`ReportInput::from_json`].
//!
//! The page shows, in this order: a header with the run summary and the last
//! day's key figures; the last day's novel clusters (the most actionable part),
//! then earlier ones; trends over the days (clusters, active senders and noise,
//! transitions of the previous day's clusters, emerged and novel clusters, the
//! ECDFs of cluster silhouette and size, a table of figures per day); the
//! lineage chart of all global ids over time with split, absorption and
//! re-identification links and novel births; and one detail section per novel
//! cluster with its profile tables, packets per hour and sender activity raster.
//! `docs/REPORT.md` explains how to read it.
//!
//! # Example
//!
//! ```
//! use darkdca_report::{DaySummary, Lineage, Presence, ReportInput, RunInfo, render_html};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut input = ReportInput::new(RunInfo { preset: "paper".into(), ..RunInfo::default() });
//! input.days.push(DaySummary {
//!     day: "2026-03-01".into(),
//!     n_packets: 120_000,
//!     n_senders: 3_000,
//!     n_active: 900,
//!     n_clusters: 2,
//!     n_noise: 400,
//!     n_emerged: 2,
//!     cluster_sizes: vec![300, 200],
//!     silhouettes: vec![Some(0.61), Some(0.35)],
//!     ..DaySummary::default()
//! });
//! input.lineages.push(Lineage {
//!     id: 1,
//!     presence: vec![Presence { day_idx: 0, size: 300 }],
//!     ..Lineage::default()
//! });
//!
//! let html = render_html(&input)?;
//! assert!(html.contains("Clusters per day"));
//!
//! let dir = std::env::temp_dir().join("darkdca-report-doctest");
//! let path = darkdca_report::write_report(&input, &dir)?;
//! assert!(path.ends_with("index.html"));
//! # Ok(())
//! # }
//! ```
//!
//! # Filling the input from a run
//!
//! Walking the run's day results oldest first, with `d` the day's index:
//!
//! - [`DaySummary`]: the day's counts (packets, senders, active, noise,
//!   clusters); `transitions` by one [`TransitionCounts::record`] per
//!   previous-day cluster's transition word; `n_emerged` and `n_novel` from
//!   the day's emerged and novel lineage lists; `cluster_sizes` and
//!   `silhouettes` from each cluster (a NaN silhouette is fine).
//! - [`Lineage`]: per cluster,
//!   `input.lineage_mut(id).presence.push(Presence { day_idx: d, size })`, and
//!   `novel_on = Some(d)` for a lineage flagged novel on day `d`.
//! - [`LineageLink`]: a split into several ids, an absorption into another
//!   id, a survival under another id, or an emerged cluster re-identified
//!   from an older lineage.
//! - [`NovelCluster`]: each novel cluster's size, silhouette, label,
//!   [`Profile`], and a [`Raster`] of its members' packets per day over the
//!   preceding days; a [`CoreCut`] when members were cut from it.
//! - When the run confirms novelty on later days, each flag is a candidate:
//!   give it [`NoveltyStatus::Confirmed`] with `confirmed_on` the deciding
//!   day, or [`NoveltyStatus::Pending`] while no day has decided it; leave a
//!   rejected candidate out of the novel clusters and out of `novel_on`,
//!   count it in [`DaySummary::n_novel_rejected`] of the day that rejected
//!   it, and count only the listed ones in `n_novel`. The page then leads
//!   with the clusters confirmed on the last day.
//!
//! [`Profile`] also accepts darkdca's own profile field names through serde
//! aliases, so `serde_json::from_value(serde_json::to_value(&profile)?)` converts
//! one without listing fields.
//!
//! # Limitations
//!
//! - Text widths are estimated (plotters without a font back-end), so very
//!   long labels are shortened rather than measured.
//! - Large runs are capped to stay readable: at most [`MAX_LINEAGE_ROWS`]
//!   lineage rows, [`MAX_RASTER_ROWS`] senders per raster and
//!   [`MAX_NOVEL_DETAILS`] detail sections; the page says how many were left
//!   out.
//! - Plots are static: no zoom or tooltips (the page carries no script).

mod error;
mod html;
mod lineage;
mod model;
mod novel;
mod plots;
mod write;

pub use error::{Error, Result};
pub use html::MAX_NOVEL_DETAILS;
pub use lineage::MAX_LINEAGE_ROWS;
pub use model::{
    CoreCut, Count, DaySummary, Lineage, LineageLink, LinkKind, NovelCluster, NoveltyStatus, Param,
    Presence, Profile, Raster, ReportInput, RunInfo, SCHEMA_VERSION, TransitionCounts,
};
pub use novel::MAX_RASTER_ROWS;
pub use write::{INDEX_FILE, write_report};

/// Checks `input` and renders the report page as one HTML string.
///
/// The page is self-contained (inline CSS and SVG, no script, nothing loaded
/// from the network) and deterministic: the same input gives the same bytes.
/// All text from the input is escaped.
///
/// # Errors
///
/// Any error of [`ReportInput::check`], and [`Error::Plot`] if a plot cannot
/// be drawn.
pub fn render_html(input: &ReportInput) -> Result<String> {
    input.check()?;
    html::render(input)
}
