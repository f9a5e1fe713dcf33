//! The training loop: jobs handed to worker threads, subsampling, reduced
//! windows, negative sampling and the linear learning-rate schedule.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::corpus::{IndexedCorpus, Segment, jobs};
use crate::hogwild::{Kernel, SharedWeights, Simd, fma_available};
use crate::kernel::Sigmoid;
use crate::noise::NoiseTable;
use crate::params::Params;
use crate::rng::Rng;

/// Centre words between two learning-rate updates inside a segment.
const ALPHA_EVERY: usize = 1024;

/// Everything one training call needs besides the weights.
pub(crate) struct Plan<'a> {
    pub(crate) corpus: &'a IndexedCorpus,
    pub(crate) noise: &'a NoiseTable,
    /// Keep threshold per row (`u32::MAX` = always keep); `None` = no subsampling.
    pub(crate) keep: Option<&'a [u32]>,
    pub(crate) params: &'a Params,
    pub(crate) epochs: usize,
    pub(crate) batch: u32,
    /// Only pairs whose context token has a row at or above this one are
    /// trained (0 trains every pair): the passes that give the rows added
    /// by an update more training than the rest.
    pub(crate) first_row: u32,
}

/// What a training call did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counters {
    /// Centre words trained (after subsampling), over all epochs.
    pub(crate) words: u64,
    /// (context, centre) pairs trained.
    pub(crate) pairs: u64,
}

impl std::ops::AddAssign for Counters {
    fn add_assign(&mut self, rhs: Self) {
        self.words += rhs.words;
        self.pairs += rhs.pairs;
    }
}

/// Shared progress of the workers.
struct Progress {
    next_job: AtomicUsize,
    words_done: AtomicU64,
    total_words: f64,
}

/// Per-thread scratch buffers.
struct Scratch {
    kept: Vec<u32>,
    targets: Vec<u32>,
    grad: Vec<f32>,
}

/// Trains `plan.epochs` passes over the corpus into the two matrices.
pub(crate) fn run(plan: &Plan<'_>, input: &mut [f32], output: &mut [f32]) -> Counters {
    let jobs = jobs(plan.corpus, plan.params.max_sentence_len.is_none());
    let n_words = plan.corpus.flat.len() as f64;
    let progress = Progress {
        next_job: AtomicUsize::new(0),
        words_done: AtomicU64::new(0),
        total_words: n_words * plan.epochs as f64,
    };
    let weights = SharedWeights::new(input, output, plan.params.vector_size);
    let shared = Shared { plan, progress, weights, sigmoid: Sigmoid::new(), simd: fma_available() };
    let worker = || work(&shared, &jobs);
    let threads = plan.params.threads.min(jobs.len() * plan.epochs).max(1);
    if threads == 1 {
        return worker();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        let mut total = Counters::default();
        for h in handles {
            // A worker only panics on an internal bug; pass it on unchanged.
            total += h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
        total
    })
}

/// What every worker reads or updates.
struct Shared<'a, 'w> {
    plan: &'a Plan<'a>,
    progress: Progress,
    weights: SharedWeights<'w>,
    sigmoid: Sigmoid,
    simd: Simd,
}

/// One worker: takes jobs until none is left.
fn work(shared: &Shared<'_, '_>, jobs: &[Vec<Segment>]) -> Counters {
    let (plan, progress) = (shared.plan, &shared.progress);
    let dim = plan.params.vector_size;
    let mut scratch = Scratch {
        kept: Vec::new(),
        targets: Vec::with_capacity(plan.params.negative + 1),
        grad: vec![0.0; dim],
    };
    let mut counters = Counters::default();
    loop {
        let global = progress.next_job.fetch_add(1, Ordering::Relaxed);
        if global >= jobs.len() * plan.epochs {
            return counters;
        }
        let epoch = global / jobs.len();
        let job = &jobs[global % jobs.len()];
        let (seed, batch) = (plan.params.seed, u64::from(plan.batch));
        let mut rng = if plan.first_row == 0 {
            Rng::derived(&[seed, batch, epoch as u64, global as u64])
        } else {
            Rng::derived(&[seed, batch, epoch as u64, global as u64, 0x4E57])
        };
        for segment in job {
            // Monomorphised on the kind of pass, so that the usual passes
            // test nothing per pair.
            counters += if plan.first_row == 0 {
                train_segment::<false>(shared, segment, &mut rng, &mut scratch)
            } else {
                train_segment::<true>(shared, segment, &mut rng, &mut scratch)
            };
        }
    }
}

/// Learning rate after `done` of `total` planned words.
fn alpha_at(params: &Params, done: f64, total: f64) -> f32 {
    let frac = if total > 0.0 { (done / total).min(1.0) } else { 0.0 };
    (f64::from(params.alpha) - f64::from(params.alpha - params.min_alpha) * frac) as f32
}

/// Trains the centre positions of one segment; with `NEW_ONLY`, only the
/// pairs whose context row is at or above `plan.first_row`, outputs fixed.
fn train_segment<const NEW_ONLY: bool>(
    shared: &Shared<'_, '_>,
    segment: &Segment,
    rng: &mut Rng,
    scratch: &mut Scratch,
) -> Counters {
    let (plan, progress) = (shared.plan, &shared.progress);
    let params = plan.params;
    let sentence = plan.corpus.sentence(segment.sentence);
    let (first, last) = keep_tokens(plan, sentence, segment, rng, &mut scratch.kept);
    let kept = &scratch.kept;
    let raw = (segment.end - segment.start) as f64;
    let per_centre = if last > first { raw / (last - first) as f64 } else { 0.0 };
    let done_before = progress.words_done.load(Ordering::Relaxed) as f64;

    let mut counters = Counters::default();
    let mut alpha = alpha_at(params, done_before, progress.total_words);
    for pos in first..last {
        if (pos - first) % ALPHA_EVERY == ALPHA_EVERY - 1 {
            let done = done_before + (pos - first) as f64 * per_centre;
            alpha = alpha_at(params, done, progress.total_words);
        }

        // A reduced window in 1..=window, as the original word2vec draws it.
        let reach = params.window - rng.below(params.window as u32) as usize;
        let centre = kept[pos];
        let lo = pos.saturating_sub(reach);
        let hi = (pos + reach).min(kept.len() - 1);
        let mut trained = false;
        for c in (lo..=hi).filter(|&c| c != pos && (!NEW_ONLY || kept[c] >= plan.first_row)) {
            trained = true;
            scratch.targets.clear();
            scratch.targets.push(centre);
            for _ in 0..params.negative {
                let noise = plan.noise.draw(rng);
                if noise != centre {
                    scratch.targets.push(noise);
                }
            }
            shared.weights.train_pair(
                kept[c],
                &scratch.targets,
                alpha,
                &shared.sigmoid,
                &mut scratch.grad,
                Kernel { simd: shared.simd, learn_output: !NEW_ONLY },
            );
            counters.pairs += 1;
        }
        counters.words += u64::from(trained || !NEW_ONLY);
    }
    progress.words_done.fetch_add((segment.end - segment.start) as u64, Ordering::Relaxed);
    counters
}

/// Fills `kept` with the tokens that survive subsampling around a segment
/// and returns the range of `kept` holding the segment's centre positions.
fn keep_tokens(
    plan: &Plan<'_>,
    sentence: &[u32],
    segment: &Segment,
    rng: &mut Rng,
    kept: &mut Vec<u32>,
) -> (usize, usize) {
    kept.clear();
    let keep = |row: u32, rng: &mut Rng| match plan.keep {
        None => true,
        Some(thresholds) => {
            let t = thresholds[row as usize];
            t == u32::MAX || (rng.next_u64() as u32) < t
        }
    };

    // gensim's cut: the whole sentence is one segment; keep its first tokens.
    if let Some(max) = plan.params.max_sentence_len {
        for &row in sentence {
            if kept.len() == max {
                break;
            }
            if keep(row, rng) {
                kept.push(row);
            }
        }
        return (0, kept.len());
    }

    // Otherwise centres come from the segment, contexts also from a margin of
    // `window` positions on each side.
    let window = plan.params.window;
    let from = segment.start.saturating_sub(window);
    let to = (segment.end + window).min(sentence.len());
    let mut first = 0;
    let mut last = 0;
    for (p, &row) in sentence.iter().enumerate().take(to).skip(from) {
        if p == segment.start {
            first = kept.len();
        }
        if keep(row, rng) {
            kept.push(row);
        }
        if p + 1 == segment.end {
            last = kept.len();
        }
    }
    (first, last)
}

/// Subsampling thresholds from counts (word2vec's formula): a token with
/// count `c` out of `total` is kept with probability
/// `(sqrt(c / (sample * total)) + 1) * sample * total / c`, capped at 1.
pub(crate) fn keep_thresholds(counts: &[f64], sample: f64) -> Vec<u32> {
    let total: f64 = counts.iter().sum();
    let limit = sample * total;
    counts
        .iter()
        .map(|&c| {
            if c <= 0.0 || limit <= 0.0 {
                return u32::MAX;
            }
            let p = ((c / limit).sqrt() + 1.0) * limit / c;
            if p >= 1.0 { u32::MAX } else { (p * f64::from(u32::MAX)) as u32 }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_decays_linearly_to_min_alpha() {
        let p = Params::default();
        assert_eq!(alpha_at(&p, 0.0, 100.0), 0.025);
        assert!((alpha_at(&p, 50.0, 100.0) - (0.025 + 0.0001) / 2.0).abs() < 1e-7);
        assert!((alpha_at(&p, 200.0, 100.0) - 0.0001).abs() < 1e-9);
    }

    #[test]
    fn frequent_tokens_are_subsampled_rare_ones_kept() {
        let t = keep_thresholds(&[1.0, 10_000.0, 0.0], 1e-3);
        assert_eq!(t[0], u32::MAX);
        assert_eq!(t[2], u32::MAX);
        // limit = 10.001; p = (sqrt(10000/10.001) + 1) * 10.001 / 10000 ≈ 0.0326.
        let p = f64::from(t[1]) / f64::from(u32::MAX);
        assert!((p - 0.0326).abs() < 1e-3, "{p}");
    }

    #[test]
    fn segment_margins_give_context_but_no_centres() {
        let params = Params::builder().window(2).build().unwrap();
        let corpus = IndexedCorpus { flat: (0..10).collect(), offsets: vec![0, 10] };
        let noise = NoiseTable::new(&[1.0; 10]).unwrap();
        let plan = Plan {
            corpus: &corpus,
            noise: &noise,
            keep: None,
            params: &params,
            epochs: 1,
            batch: 0,
            first_row: 0,
        };
        let mut kept = Vec::new();
        let seg = Segment { sentence: 0, start: 4, end: 7 };
        let (first, last) =
            keep_tokens(&plan, corpus.sentence(0), &seg, &mut Rng::new(1), &mut kept);
        assert_eq!(kept, vec![2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&kept[first..last], &[4, 5, 6]);
    }

    #[test]
    fn max_sentence_len_cuts_after_kept_tokens() {
        let params = Params::builder().max_sentence_len(Some(3)).build().unwrap();
        let corpus = IndexedCorpus { flat: (0..10).collect(), offsets: vec![0, 10] };
        let noise = NoiseTable::new(&[1.0; 10]).unwrap();
        let plan = Plan {
            corpus: &corpus,
            noise: &noise,
            keep: None,
            params: &params,
            epochs: 1,
            batch: 0,
            first_row: 0,
        };
        let mut kept = Vec::new();
        let seg = Segment { sentence: 0, start: 0, end: 10 };
        let range = keep_tokens(&plan, corpus.sentence(0), &seg, &mut Rng::new(1), &mut kept);
        assert_eq!((kept.as_slice(), range), (&[0, 1, 2][..], (0, 3)));
    }
}
