//! The floating-point types accepted as input.

/// An input element type: `f32` or `f64`.
///
/// The pipeline's embeddings are `f32`; reference fixtures are `f64`. All
/// arithmetic that decides a score is carried out in `f64` whatever the input
/// type, so `f32` input loses nothing beyond its own rounding.
///
/// This trait is sealed: it cannot be implemented outside this crate.
pub trait Element: Copy + Send + Sync + sealed::Sealed + 'static {
    /// The machine epsilon of the type, as `f64`.
    const EPSILON: f64;

    /// The value widened to `f64` (exact for both types).
    fn to_f64(self) -> f64;
}

impl Element for f32 {
    const EPSILON: f64 = f32::EPSILON as f64;

    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Element for f64 {
    const EPSILON: f64 = f64::EPSILON;

    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}
