//! Skip-gram Word2Vec with negative sampling and an incremental vocabulary, written from scratch.
