//! The arithmetic of one skip-gram update on contiguous `f32` rows.
//!
//! Loops run over fixed-width chunks with one accumulator per lane so that
//! the compiler turns them into SIMD code without reassociating floats.

/// Lanes of the main accumulator block.
const LANES: usize = 32;

/// Sigmoid arguments beyond ±`MAX_EXP` are treated as saturated (word2vec).
const MAX_EXP: f32 = 6.0;
/// Entries of the sigmoid table.
const TABLE_SIZE: usize = 1024;

/// Precomputed logistic function on [-MAX_EXP, MAX_EXP], as in word2vec.
#[derive(Debug, Clone)]
pub(crate) struct Sigmoid {
    table: Vec<f32>,
}

impl Sigmoid {
    /// Fills the table at the centres of its buckets.
    pub(crate) fn new() -> Self {
        let table = (0..TABLE_SIZE)
            .map(|i| {
                let x = ((i as f32 + 0.5) / TABLE_SIZE as f32 * 2.0 - 1.0) * MAX_EXP;
                1.0 / (1.0 + (-x).exp())
            })
            .collect();
        Sigmoid { table }
    }

    /// The gradient factor `(label - sigmoid(score))`, with saturation.
    #[inline]
    pub(crate) fn gradient(&self, score: f32, label: f32) -> f32 {
        if score >= MAX_EXP {
            label - 1.0
        } else if score <= -MAX_EXP {
            label
        } else {
            let pos = (score + MAX_EXP) * (TABLE_SIZE as f32 / (2.0 * MAX_EXP));
            // `pos` is in [0, TABLE_SIZE) here; `min` guards rounding at the top.
            label - self.table[(pos as usize).min(TABLE_SIZE - 1)]
        }
    }
}

/// `a * b + c`, fused into one rounding when `FMA` (only instantiated inside
/// functions compiled with the `fma` target feature, where it is one
/// instruction; elsewhere it would be a slow library call).
#[inline(always)]
fn mul_add<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// Dot product with independent per-lane accumulators: 32 lanes (four AVX
/// or eight SSE registers, enough to hide the add latency), then one block of
/// 8 and a scalar tail, summed as a tree rather than a serial chain.
#[inline(always)]
pub(crate) fn dot_with<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..LANES {
            acc[k] = mul_add::<FMA>(x[k], y[k], acc[k]);
        }
    }
    let mut acc8 = [0.0f32; 8];
    for k in 0..8 {
        acc8[k] = (acc[k] + acc[k + 8]) + (acc[k + 16] + acc[k + 24]);
    }
    let mut c8a = ca.remainder().chunks_exact(8);
    let mut c8b = cb.remainder().chunks_exact(8);
    for (x, y) in (&mut c8a).zip(&mut c8b) {
        for k in 0..8 {
            acc8[k] = mul_add::<FMA>(x[k], y[k], acc8[k]);
        }
    }
    let mut tail = 0.0f32;
    for (x, y) in c8a.remainder().iter().zip(c8b.remainder()) {
        tail = mul_add::<FMA>(*x, *y, tail);
    }
    let quad = [acc8[0] + acc8[4], acc8[1] + acc8[5], acc8[2] + acc8[6], acc8[3] + acc8[7]];
    ((quad[0] + quad[2]) + (quad[1] + quad[3])) + tail
}

/// Dot product (portable instructions).
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    dot_with::<false>(a, b)
}

/// `y += a * x`.
#[inline(always)]
pub(crate) fn axpy<const FMA: bool>(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y = mul_add::<FMA>(a, *x, *y);
    }
}

/// One output-row step of negative sampling: scores `input · output`, adds
/// the gradient times the old output row to `grad`, and moves the output row
/// along the input row. The input row itself is updated by the caller once
/// all targets are done, as word2vec and gensim do. With `LEARN` false the
/// output row is only read (the gradient still reaches `grad`).
#[inline(always)]
pub(crate) fn output_step<const FMA: bool, const LEARN: bool>(
    input: &[f32],
    output: &mut [f32],
    grad: &mut [f32],
    label: f32,
    alpha: f32,
    sigmoid: &Sigmoid,
) {
    let g = sigmoid.gradient(dot_with::<FMA>(input, output), label) * alpha;
    if LEARN {
        for ((o, e), i) in output.iter_mut().zip(grad.iter_mut()).zip(input) {
            *e = mul_add::<FMA>(g, *o, *e);
            *o = mul_add::<FMA>(g, *i, *o);
        }
    } else {
        axpy::<FMA>(g, output, grad);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive_sum() {
        let a: Vec<f32> = (0..77).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..77).map(|i| 1.0 - i as f32 * 0.1).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }

    #[test]
    fn sigmoid_table_is_close_to_exact() {
        let s = Sigmoid::new();
        for i in -70..=70 {
            let x = i as f32 * 0.1;
            let exact = 1.0 / (1.0 + (-x).exp());
            assert!((1.0 - s.gradient(x, 1.0) - exact).abs() < 0.01, "x = {x}");
        }
        assert_eq!(s.gradient(10.0, 1.0), 0.0);
        assert_eq!(s.gradient(-10.0, 0.0), 0.0);
    }

    #[test]
    fn output_step_moves_score_towards_label() {
        let s = Sigmoid::new();
        let input = vec![0.1f32; 20];
        let mut output = vec![0.05f32; 20];
        let mut grad = vec![0.0f32; 20];
        let before = dot(&input, &output);
        output_step::<false, true>(&input, &mut output, &mut grad, 1.0, 0.5, &s);
        assert!(dot(&input, &output) > before);
        assert!(grad.iter().all(|&g| g > 0.0));
    }
}
