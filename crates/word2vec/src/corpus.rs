//! A batch corpus turned into row indices, and the work split into jobs.

use std::collections::HashMap;
use std::hash::Hash;

/// Sentences of one batch as batch-local token ids, before the vocabulary
/// decides which tokens are kept.
#[derive(Debug)]
pub(crate) struct BatchCounts<'t, T> {
    /// Distinct tokens in order of first occurrence.
    pub(crate) distinct: Vec<&'t T>,
    /// Occurrences of each distinct token.
    pub(crate) counts: Vec<u64>,
    /// All sentences back to back, as local ids.
    pub(crate) flat: Vec<u32>,
    /// Start of each sentence in `flat`, plus a final end.
    pub(crate) offsets: Vec<usize>,
}

impl<'t, T: Eq + Hash> BatchCounts<'t, T> {
    /// Counts the tokens of a corpus in one hashing pass.
    pub(crate) fn new<S: AsRef<[T]>>(corpus: &'t [S]) -> Self {
        let mut ids: HashMap<&'t T, u32> = HashMap::new();
        let mut distinct = Vec::new();
        let mut counts = Vec::new();
        let n_tokens: usize = corpus.iter().map(|s| s.as_ref().len()).sum();
        let mut flat = Vec::with_capacity(n_tokens);
        let mut offsets = Vec::with_capacity(corpus.len() + 1);
        offsets.push(0);
        for sentence in corpus {
            for token in sentence.as_ref() {
                let id = *ids.entry(token).or_insert_with(|| {
                    distinct.push(token);
                    counts.push(0);
                    (distinct.len() - 1) as u32
                });
                counts[id as usize] += 1;
                flat.push(id);
            }
            offsets.push(flat.len());
        }
        BatchCounts { distinct, counts, flat, offsets }
    }
}

/// The batch as vocabulary row indices; tokens outside the vocabulary are
/// gone and empty sentences dropped.
#[derive(Debug, Default)]
pub(crate) struct IndexedCorpus {
    pub(crate) flat: Vec<u32>,
    pub(crate) offsets: Vec<usize>,
}

impl IndexedCorpus {
    /// Maps local ids through `to_row` (`u32::MAX` = dropped).
    pub(crate) fn new(flat: &[u32], offsets: &[usize], to_row: &[u32]) -> Self {
        let mut out = IndexedCorpus { flat: Vec::with_capacity(flat.len()), offsets: vec![0] };
        for w in offsets.windows(2) {
            let before = out.flat.len();
            out.flat.extend(
                flat[w[0]..w[1]].iter().map(|&l| to_row[l as usize]).filter(|&r| r != u32::MAX),
            );
            if out.flat.len() > before {
                out.offsets.push(out.flat.len());
            }
        }
        out
    }

    /// Renumbers rows after retirement (every row here survives it).
    pub(crate) fn remap(&mut self, map: &[u32]) {
        for r in &mut self.flat {
            *r = map[*r as usize];
        }
    }

    /// Number of sentences.
    pub(crate) fn n_sentences(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Tokens of sentence `s`.
    pub(crate) fn sentence(&self, s: usize) -> &[u32] {
        &self.flat[self.offsets[s]..self.offsets[s + 1]]
    }
}

/// A piece of a sentence whose positions are centres in one job; context
/// windows may reach past its ends into the rest of the sentence.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    pub(crate) sentence: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Target number of centre words per job (gensim's batch size).
pub(crate) const JOB_WORDS: usize = 10_000;

/// Splits the corpus into jobs of about [`JOB_WORDS`] positions. Long
/// sentences are cut into several segments unless `split` is false (needed
/// to reproduce gensim's cut of each sentence at its start).
pub(crate) fn jobs(corpus: &IndexedCorpus, split: bool) -> Vec<Vec<Segment>> {
    let mut jobs = Vec::new();
    let mut current = Vec::new();
    let mut words = 0;
    for s in 0..corpus.n_sentences() {
        let len = corpus.sentence(s).len();
        let step = if split { JOB_WORDS } else { len.max(1) };
        let mut start = 0;
        while start < len {
            let end = (start + step).min(len);
            current.push(Segment { sentence: s, start, end });
            words += end - start;
            start = end;
            if words >= JOB_WORDS {
                jobs.push(std::mem::take(&mut current));
                words = 0;
            }
        }
    }
    if !current.is_empty() {
        jobs.push(current);
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_maps_a_small_corpus() {
        let corpus = vec![vec!["a", "b", "a"], vec![], vec!["c", "b"]];
        let b = BatchCounts::new(&corpus);
        assert_eq!(b.distinct, vec![&"a", &"b", &"c"]);
        assert_eq!(b.counts, vec![2, 2, 1]);
        assert_eq!(b.offsets, vec![0, 3, 3, 5]);

        // Drop "c": the last sentence keeps only "b"; the empty one goes.
        let ix = IndexedCorpus::new(&b.flat, &b.offsets, &[5, 7, u32::MAX]);
        assert_eq!(ix.n_sentences(), 2);
        assert_eq!(ix.sentence(0), &[5, 7, 5]);
        assert_eq!(ix.sentence(1), &[7]);
    }

    #[test]
    fn jobs_cover_every_position_once() {
        let corpus =
            IndexedCorpus { flat: vec![0; 25_000 + 7], offsets: vec![0, 25_000, 25_003, 25_007] };
        for split in [true, false] {
            let jobs = jobs(&corpus, split);
            let mut seen = vec![0u8; corpus.flat.len()];
            for seg in jobs.iter().flatten() {
                let base = corpus.offsets[seg.sentence];
                seen[base + seg.start..base + seg.end].iter_mut().for_each(|x| *x += 1);
            }
            assert!(seen.iter().all(|&x| x == 1));
            if split {
                assert!(jobs.iter().flatten().all(|s| s.end - s.start <= JOB_WORDS));
                assert_eq!(jobs.len(), 3);
            } else {
                assert_eq!(jobs[0].len(), 1);
            }
        }
    }
}
