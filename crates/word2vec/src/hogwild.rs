//! Lock-free shared weights for multi-threaded training (Hogwild).
//!
//! This is the only module with `unsafe` code. Worker threads update the
//! input and output matrices without locks, as the original word2vec and
//! gensim do (Recht et al., 2011): two threads rarely touch the same row at
//! the same moment, and when they do, one update may partly overwrite the
//! other. Locking rows instead costs more than the lost updates are worth;
//! `docs/benchmarks/word2vec.md` records the speed-up over one thread.
//!
//! With one thread nothing is shared and every access is an ordinary,
//! exclusive one, which is why a seeded one-thread run is reproducible.
//! With several threads the unsynchronised `f32` loads and stores are, in
//! the terms of Rust's memory model, a data race: we accept it on purpose,
//! as every Hogwild implementation does, and keep it to plain `f32` rows
//! (no pointers, lengths or indices are ever shared mutably).
//!
//! The module also holds the run-time dispatch to a copy of the update
//! compiled for AVX2 and FMA (calling a `#[target_feature]` function is
//! `unsafe`), guarded by CPU feature detection.

#![allow(unsafe_code)]

use std::marker::PhantomData;

use crate::kernel::{Sigmoid, axpy, output_step};

/// Raw views of the input and output matrices, shared by the workers of one
/// training call. It borrows both matrices mutably for its whole lifetime, so
/// nothing else can read, move or free them while workers run.
pub(crate) struct SharedWeights<'a> {
    input: *mut f32,
    output: *mut f32,
    n_rows: usize,
    dim: usize,
    _borrow: PhantomData<&'a mut [f32]>,
}

// SAFETY: the pointers come from `&'a mut [f32]` borrows held for `'a`, so
// they stay valid and unaliased by safe code while any thread holds a
// `SharedWeights`. Concurrent element updates are the deliberate Hogwild
// race described in the module doc; `f32` has no invalid bit patterns, so any
// interleaving leaves every element a valid `f32`.
unsafe impl Send for SharedWeights<'_> {}
// SAFETY: as for `Send`; every method takes `&self` and only touches rows
// through the bounds-checked access in `train_pair`.
unsafe impl Sync for SharedWeights<'_> {}

impl<'a> SharedWeights<'a> {
    /// Shares two `n_rows × dim` row-major matrices.
    ///
    /// # Panics
    ///
    /// If either slice is not `n_rows * dim` long (a bug of the caller: the
    /// model keeps both matrices at that size).
    pub(crate) fn new(input: &'a mut [f32], output: &'a mut [f32], dim: usize) -> Self {
        assert!(dim > 0 && input.len() == output.len() && input.len().is_multiple_of(dim));
        SharedWeights {
            n_rows: input.len() / dim,
            dim,
            input: input.as_mut_ptr(),
            output: output.as_mut_ptr(),
            _borrow: PhantomData,
        }
    }

    /// One skip-gram update with negative sampling: the input row of
    /// `context` learns to predict `targets[0]` (label 1) and not the noise
    /// tokens `targets[1..]` (label 0). `grad` is scratch of length `dim`.
    /// `kernel` selects the AVX2+FMA instantiation and whether output rows
    /// learn (see [`Kernel`]).
    ///
    /// # Panics
    ///
    /// If an index is out of range or `grad` has the wrong length: callers
    /// only pass vocabulary indices, so this is a bug, and checking keeps the
    /// pointer arithmetic in bounds.
    #[inline]
    pub(crate) fn train_pair(
        &self,
        context: u32,
        targets: &[u32],
        alpha: f32,
        sigmoid: &Sigmoid,
        grad: &mut [f32],
        kernel: Kernel,
    ) {
        let Kernel { simd, learn_output } = kernel;
        #[cfg(target_arch = "x86_64")]
        if let Simd::Fma(_) = simd {
            // SAFETY: a `Simd::Fma` value is only built by `fma_available`,
            // after the CPU reported both the avx2 and the fma features.
            return unsafe {
                if learn_output {
                    self.train_pair_fma::<true>(context, targets, alpha, sigmoid, grad);
                } else {
                    self.train_pair_fma::<false>(context, targets, alpha, sigmoid, grad);
                }
            };
        }
        let _ = simd;
        if learn_output {
            self.train_pair_with::<false, true>(context, targets, alpha, sigmoid, grad);
        } else {
            self.train_pair_with::<false, false>(context, targets, alpha, sigmoid, grad);
        }
    }

    /// [`SharedWeights::train_pair_with`] compiled for AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn train_pair_fma<const LEARN: bool>(
        &self,
        context: u32,
        targets: &[u32],
        alpha: f32,
        sigmoid: &Sigmoid,
        grad: &mut [f32],
    ) {
        self.train_pair_with::<true, LEARN>(context, targets, alpha, sigmoid, grad);
    }

    #[inline(always)]
    fn train_pair_with<const FMA: bool, const LEARN: bool>(
        &self,
        context: u32,
        targets: &[u32],
        alpha: f32,
        sigmoid: &Sigmoid,
        grad: &mut [f32],
    ) {
        let dim = self.dim;
        assert!((context as usize) < self.n_rows && grad.len() == dim);
        grad.fill(0.0);

        // SAFETY: `context < n_rows` was checked, so the row lies inside the
        // input matrix borrowed for `'a`. The input and output matrices are
        // distinct allocations, so this row never overlaps an output row
        // below. Other threads may write the same row concurrently: that is
        // the Hogwild race accepted in the module doc.
        let input =
            unsafe { std::slice::from_raw_parts_mut(self.input.add(context as usize * dim), dim) };

        // Start fetching every output row now: the noise rows are random, so
        // they usually miss the cache, and their loads overlap this way.
        for &target in targets {
            assert!((target as usize) < self.n_rows);
            self.prefetch_output_row(target as usize);
        }
        for (k, &target) in targets.iter().enumerate() {
            let label = if k == 0 { 1.0 } else { 0.0 };

            // SAFETY: `target < n_rows` was checked just above, so the row lies
            // inside the output matrix; it lives only for this iteration, so no
            // two output rows are borrowed at once in this thread. Concurrent
            // writers from other threads are the accepted Hogwild race.
            let output = unsafe {
                std::slice::from_raw_parts_mut(self.output.add(target as usize * dim), dim)
            };
            output_step::<FMA, LEARN>(input, output, grad, label, alpha, sigmoid);
        }
        axpy::<FMA>(1.0, grad, input);
    }

    /// Hints the CPU to load output row `row` (checked `< n_rows` by the
    /// caller) into the cache.
    #[inline(always)]
    fn prefetch_output_row(&self, row: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            let base = self.output.wrapping_add(row * self.dim).cast::<i8>();
            for offset in (0..self.dim * size_of::<f32>()).step_by(64) {
                // SAFETY: a prefetch is only a hint: it never faults and
                // changes no memory, whatever the address. The address is in
                // bounds anyway (`row < n_rows`, `offset < dim * 4`).
                unsafe { _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(offset)) };
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = row;
    }
}

/// Which instantiation of the update runs. `Fma` can only be obtained from
/// [`fma_available`], which makes it a proof that the CPU supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Simd {
    /// Instructions of the compilation target (SSE2 on x86-64).
    Portable,
    /// AVX2 with fused multiply-add (x86-64 only).
    Fma(FmaToken),
}

/// How [`SharedWeights::train_pair`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kernel {
    /// The instruction set; callers set it only from [`fma_available`].
    pub(crate) simd: Simd,
    /// Whether output rows learn. When false they are only read: the input
    /// row learns against a fixed model.
    pub(crate) learn_output: bool,
}

/// Zero-sized witness that AVX2 and FMA were detected; private field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FmaToken(());

/// `Simd::Fma` when the CPU has AVX2 and FMA and the environment variable
/// `DARKDCA_W2V_SIMD` is not `portable`, otherwise `Simd::Portable`.
pub(crate) fn fma_available() -> Simd {
    if std::env::var_os("DARKDCA_W2V_SIMD").is_some_and(|v| v == "portable") {
        return Simd::Portable;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        return Simd::Fma(FmaToken(()));
    }
    Simd::Portable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_pair_raises_its_score() {
        for simd in [Simd::Portable, fma_available()] {
            positive_pair_raises_its_score_with(simd);
        }
    }

    fn positive_pair_raises_its_score_with(simd: Simd) {
        let dim = 8;
        let mut input: Vec<f32> = (0..3 * dim).map(|i| (i % 5) as f32 * 0.01).collect();
        let mut output = vec![0.0f32; 3 * dim];
        let sigmoid = Sigmoid::new();
        let mut grad = vec![0.0; dim];
        {
            let w = SharedWeights::new(&mut input, &mut output, dim);
            for _ in 0..50 {
                w.train_pair(
                    1,
                    &[2, 0],
                    0.5,
                    &sigmoid,
                    &mut grad,
                    Kernel { simd, learn_output: true },
                );
            }
        }
        let row = |m: &[f32], r: usize| m[r * dim..(r + 1) * dim].to_vec();
        let pos = crate::kernel::dot(&row(&input, 1), &row(&output, 2));
        let neg = crate::kernel::dot(&row(&input, 1), &row(&output, 0));
        assert!(pos > 1.0 && neg < 0.0, "pos {pos} neg {neg}");
    }

    #[test]
    #[should_panic(expected = "assertion failed")]
    fn out_of_range_index_panics_instead_of_reading_out_of_bounds() {
        let mut input = vec![0.0f32; 4];
        let mut output = vec![0.0f32; 4];
        let w = SharedWeights::new(&mut input, &mut output, 2);
        let kernel = Kernel { simd: Simd::Portable, learn_output: true };
        w.train_pair(2, &[0], 0.1, &Sigmoid::new(), &mut [0.0, 0.0], kernel);
    }
}
