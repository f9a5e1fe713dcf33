//! Bad input gives a typed error naming what and where, never a panic.

use darkdca_metrics::{
    Error, Metric, adjusted_mutual_info, adjusted_rand_index, normalized_mutual_info, purity,
    silhouette,
};
use ndarray::{Array2, array};

#[test]
fn labels_and_points_must_agree_in_number() {
    let x = array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]];
    for metric in [Metric::Cosine, Metric::Euclidean] {
        assert_eq!(
            silhouette(x.view(), &[0, 1], metric).err(),
            Some(Error::LengthMismatch { what: "labels", expected: 3, found: 2 })
        );
    }
    assert_eq!(
        purity(&[0, 1, 1], &[Some("a")]).err(),
        Some(Error::LengthMismatch { what: "ground truth", expected: 3, found: 1 })
    );
    assert_eq!(
        adjusted_rand_index(&[0, 1, 1], &[0, 1]).err(),
        Some(Error::LengthMismatch { what: "second labeling", expected: 3, found: 2 })
    );
}

#[test]
fn empty_input_is_an_error() {
    let none = Array2::<f64>::zeros((0, 3));
    assert_eq!(
        silhouette(none.view(), &[], Metric::Cosine).err(),
        Some(Error::Empty { what: "points" })
    );
    let flat = Array2::<f64>::zeros((3, 0));
    assert_eq!(
        silhouette(flat.view(), &[0, 0, 1], Metric::Euclidean).err(),
        Some(Error::Empty { what: "dimensions" })
    );
    let empty: [u32; 0] = [];
    assert_eq!(normalized_mutual_info(&empty, &empty).err(), Some(Error::Empty { what: "labels" }));
    assert_eq!(adjusted_mutual_info(&empty, &empty).err(), Some(Error::Empty { what: "labels" }));
}

#[test]
fn nan_and_infinity_are_rejected_with_their_position() {
    let mut x = array![[1.0f64, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]];
    x[[2, 1]] = f64::NAN;
    let err = silhouette(x.view(), &[0, 0, 1, 1], Metric::Euclidean).err();
    assert!(matches!(err, Some(Error::NonFinite { row: 2, column: 1, value }) if value.is_nan()));
    x[[2, 1]] = f64::INFINITY;
    assert_eq!(
        silhouette(x.view(), &[0, 0, 1, 1], Metric::Cosine).err(),
        Some(Error::NonFinite { row: 2, column: 1, value: f64::INFINITY })
    );
    // Even on a noise row: NaN is bad data wherever it is.
    let x32 = array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [f32::NAN, 0.0]];
    assert!(matches!(
        silhouette(x32.view(), &[0, 0, 1, 1, -1], Metric::Cosine).err(),
        Some(Error::NonFinite { row: 4, column: 0, .. })
    ));
}

#[test]
fn zero_vectors_are_rejected_under_cosine_only() {
    let x = array![[1.0f32, 0.0], [0.0, 1.0], [0.0, 0.0], [2.0, 1.0]];
    let labels = [0, 0, 1, 1];
    assert_eq!(
        silhouette(x.view(), &labels, Metric::Cosine).err(),
        Some(Error::ZeroVector { row: 2 })
    );
    assert!(silhouette(x.view(), &labels, Metric::Euclidean).is_ok());
    // A zero vector that is noise is left out with the rest of the noise.
    let y = array![[1.0f32, 0.0], [0.0, 1.0], [0.0, 0.0], [2.0, 1.0], [1.0, 2.0]];
    assert!(silhouette(y.view(), &[0, 0, -1, 1, 1], Metric::Cosine).is_ok());
}

#[test]
fn bad_precomputed_matrices_are_rejected() {
    let not_square = Array2::<f64>::zeros((3, 4));
    assert_eq!(
        silhouette(not_square.view(), &[0, 0, 1], Metric::Precomputed).err(),
        Some(Error::NotSquare { rows: 3, columns: 4 })
    );
    let mut d = array![
        [0.0f64, 1.0, 2.0, 2.0],
        [1.0, 0.0, 2.0, 2.0],
        [2.0, 2.0, 0.0, 1.0],
        [2.0, 2.0, 1.0, 0.0]
    ];
    let labels = [0, 0, 1, 1];
    assert!(silhouette(d.view(), &labels, Metric::Precomputed).is_ok());
    // scikit-learn's tolerance: 100 machine epsilons of the element type.
    d[[1, 1]] = 1e-14;
    assert!(silhouette(d.view(), &labels, Metric::Precomputed).is_ok());
    d[[1, 1]] = 1e-12;
    assert_eq!(
        silhouette(d.view(), &labels, Metric::Precomputed).err(),
        Some(Error::NonZeroDiagonal { row: 1, value: 1e-12 })
    );
    d[[1, 1]] = 0.0;
    d[[3, 0]] = -0.5;
    assert_eq!(
        silhouette(d.view(), &labels, Metric::Precomputed).err(),
        Some(Error::NegativeDistance { row: 3, column: 0, value: -0.5 })
    );
    // The f32 tolerance is wider: 1e-6 is within 100 f32 epsilons.
    let mut d32 = d.mapv(|v| v.abs() as f32);
    d32[[0, 0]] = 1e-6;
    assert!(silhouette(d32.view(), &labels, Metric::Precomputed).is_ok());
}

#[test]
fn labels_below_minus_one_are_rejected() {
    let x = array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]];
    assert_eq!(
        silhouette(x.view(), &[0, -2, 1], Metric::Euclidean).err(),
        Some(Error::InvalidLabel { index: 1, label: -2 })
    );
}

#[test]
fn undefined_silhouettes_are_errors() {
    let x = array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]];
    // One cluster once the noise is left out.
    assert_eq!(
        silhouette(x.view(), &[4, -1, 4], Metric::Cosine).err(),
        Some(Error::ClusterCount { n_clusters: 1, n_samples: 2 })
    );
    // Every point alone.
    assert_eq!(
        silhouette(x.view(), &[0, 1, 2], Metric::Cosine).err(),
        Some(Error::ClusterCount { n_clusters: 3, n_samples: 3 })
    );
}

#[test]
fn errors_read_well() {
    let e = Error::ZeroVector { row: 7 };
    assert_eq!(e.to_string(), "row 7 is a zero vector, which has no cosine distance");
    let e = Error::ClusterCount { n_clusters: 1, n_samples: 9 };
    assert!(e.to_string().starts_with("silhouette needs between 2 and n_samples - 1 clusters"));
}
