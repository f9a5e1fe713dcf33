//! The analyst's report of a darkdca run: a self-contained HTML page with SVG plots.
