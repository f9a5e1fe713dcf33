//! A seeded generator of planted-group corpora, shared by the tests, the
//! benchmark and the comparison example.
//!
//! Tokens `0..n_tokens` are split into groups of `group_size` consecutive
//! ids (think: the senders of one botnet). A sentence is a sequence of runs;
//! each run picks one group and emits `run_len` tokens drawn uniformly from
//! it, so tokens co-occur with their group mates and, only at run borders,
//! with other groups.

// Each includer (tests, bench, example) uses a different part.
#![allow(dead_code)]

/// Shape of a planted corpus.
#[derive(Debug, Clone, Copy)]
pub struct PlantedSpec {
    pub n_tokens: u32,
    pub group_size: u32,
    pub n_sentences: usize,
    pub sentence_len: usize,
    pub run_len: usize,
    pub seed: u64,
}

impl PlantedSpec {
    /// Group of a token.
    pub fn group(&self, token: u32) -> u32 {
        token / self.group_size
    }

    /// Number of groups (the last one may be smaller).
    pub fn n_groups(&self) -> u32 {
        self.n_tokens.div_ceil(self.group_size)
    }

    /// Generates the corpus; `offset` is added to every token id.
    pub fn generate(&self, offset: u32) -> Vec<Vec<u32>> {
        let mut state = self.seed ^ 0x5EED_0FC0_FFEE;
        let mut next = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let below = |n: u32, r: u64| (((r >> 32) * u64::from(n)) >> 32) as u32;
        (0..self.n_sentences)
            .map(|_| {
                let mut sentence = Vec::with_capacity(self.sentence_len);
                while sentence.len() < self.sentence_len {
                    let group = below(self.n_groups(), next());
                    let first = group * self.group_size;
                    let size = self.group_size.min(self.n_tokens - first);
                    for _ in 0..self.run_len.min(self.sentence_len - sentence.len()) {
                        sentence.push(offset + first + below(size, next()));
                    }
                }
                sentence
            })
            .collect()
    }
}

/// The benchmark corpora (shared by `benches/train.rs` and the comparison
/// example): groups of 40, sentences of 1,000 tokens in runs of 50, and 50
/// tokens per vocabulary entry up to 10,000 entries, 20 above.
pub fn bench_spec(n_tokens: u32) -> PlantedSpec {
    let words_per_token = if n_tokens <= 10_000 { 50 } else { 20 };
    PlantedSpec {
        n_tokens,
        group_size: 40,
        n_sentences: n_tokens as usize * words_per_token / 1_000,
        sentence_len: 1_000,
        run_len: 50,
        seed: 42,
    }
}
