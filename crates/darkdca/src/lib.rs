//! Facade of the darkdca pipeline: trace, embed, cluster, track, report.
