//! MONIC-style dynamic cluster analysis: overlap, transitions, novelty and lineage; pure, no I/O.
