//! `ln(m!)` for the expected mutual information.

/// `ln(2 pi) / 2`.
const HALF_LN_TWO_PI: f64 = 0.918_938_533_204_672_8;

/// `ln(m!)`, accurate to a few units in the last place of the result.
///
/// Up to `17!` the factorial is exact in `f64` and its logarithm is taken
/// directly; beyond, the Stirling series of `ln Gamma(m + 1)` with seven
/// correction terms is used, whose truncation error at `m + 1 >= 19` is below
/// `1e-20`.
pub(crate) fn ln_factorial(m: u64) -> f64 {
    if m < 18 {
        let factorial: f64 = (2..=m).map(|k| k as f64).product();
        return factorial.ln();
    }
    let x = m as f64 + 1.0;
    let inv = x.recip();
    let inv2 = inv * inv;
    // Bernoulli-number coefficients B_2k / (2k (2k - 1)), Horner in 1 / x^2.
    let series = inv
        * (1.0 / 12.0
            + inv2
                * (-1.0 / 360.0
                    + inv2
                        * (1.0 / 1260.0
                            + inv2
                                * (-1.0 / 1680.0
                                    + inv2
                                        * (1.0 / 1188.0
                                            + inv2 * (-691.0 / 360_360.0 + inv2 / 156.0))))));
    (x - 0.5) * x.ln() - x + HALF_LN_TWO_PI + series
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact_logs() {
        assert_eq!(ln_factorial(0), 0.0);
        assert_eq!(ln_factorial(1), 0.0);
        assert!((ln_factorial(5) - 120f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn series_joins_the_direct_values() {
        // 18! and 19! are still below 2^63; their f64 logs are correctly
        // rounded to about 1e-15 relative.
        let f18 = (1..=18u64).product::<u64>() as f64;
        let f19 = (1..=19u64).product::<u64>() as f64;
        assert!((ln_factorial(18) - f18.ln()).abs() < 1e-13);
        assert!((ln_factorial(19) - f19.ln()).abs() < 1e-13);
    }

    #[test]
    fn large_values_match_a_long_sum() {
        // ln(1000!) = sum of ln k; the compensated sum is accurate to ~1e-12.
        let (mut sum, mut carry) = (0.0f64, 0.0f64);
        for k in 2..=1000u32 {
            let y = f64::from(k).ln() - carry;
            let t = sum + y;
            carry = (t - sum) - y;
            sum = t;
        }
        assert!((ln_factorial(1000) - sum).abs() < 1e-10, "{} vs {sum}", ln_factorial(1000));
    }
}
