//! Exact HDBSCAN with cosine, euclidean and precomputed metrics that never builds the n-by-n matrix.
