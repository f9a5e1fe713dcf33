//! Public behaviour: errors, parameter rules, a hand-derived example,
//! thread-count independence, serialisation and invariants.

use darkdca_hdbscan::{
    ClusterSelection, CondensedRow, Error, Metric, MinSamplesConvention, Params, ParamsError,
};
use ndarray::{Array2, array};
use proptest::prelude::*;

/// Points on a line: A = {0, 1, 2}, B = {100, 101, 102}, a stray point at 50.
fn line() -> Array2<f64> {
    let pos = [0.0, 1.0, 2.0, 100.0, 101.0, 102.0, 50.0_f64];
    Array2::from_shape_fn((7, 7), |(i, j)| (pos[i] - pos[j]).abs())
}

#[test]
fn hand_derived_line() {
    // min_samples 1 (hdbscan convention): core distances 1 in A and B, 48 for
    // the stray point. Tree edges: four of weight 1, 48 (stray to A), 50
    // (stray to B). Root splits at lambda 1/50 into A+stray (4) and B (3); the
    // stray point leaves A+stray at 1/48; A and B dissolve at lambda 1.
    let c = Params::new(3)
        .min_samples(Some(1))
        .metric(Metric::Precomputed)
        .build()
        .unwrap()
        .fit(line().view())
        .unwrap();
    assert_eq!(c.labels, vec![0, 0, 0, 1, 1, 1, 0]);
    let p = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0 / 48.0];
    for (a, b) in c.probabilities.iter().zip(p) {
        assert!((a - b).abs() < 1e-12);
    }
    // GLOSH of the stray point: 1 - (1/48) / 1.
    let s = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0 - 1.0 / 48.0];
    for (a, b) in c.outlier_scores.iter().zip(s) {
        assert!((a - b).abs() < 1e-12);
    }
    // Stability of A+stray: (1/48 - 1/50) + 3 (1 - 1/50); max lambda 1.
    let expected = [((1.0 / 48.0 - 0.02) + 3.0 * 0.98) / 4.0, 0.98];
    for (a, b) in c.persistence.iter().zip(expected) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    let row =
        |parent, child, lambda, child_size| CondensedRow { parent, child, lambda, child_size };
    let rows = vec![
        row(7, 8, 0.02, 4),
        row(7, 9, 0.02, 3),
        row(8, 6, 1.0 / 48.0, 1),
        row(9, 3, 1.0, 1),
        row(9, 4, 1.0, 1),
        row(9, 5, 1.0, 1),
        row(8, 0, 1.0, 1),
        row(8, 1, 1.0, 1),
        row(8, 2, 1.0, 1),
    ];
    assert_eq!(c.condensed_tree.rows, rows);
    assert_eq!(c.n_clusters(), 2);
}

#[test]
fn leaf_and_single_cluster_on_the_line() {
    let base = || Params::new(3).min_samples(Some(1)).metric(Metric::Precomputed);
    let leaf = base().cluster_selection(ClusterSelection::Leaf).build().unwrap();
    assert_eq!(leaf.fit(line().view()).unwrap().labels, vec![0, 0, 0, 1, 1, 1, 0]);
    // Excess of mass with max_cluster_size 3 refuses A+stray (4 points); its
    // subtree has no cluster, so only B remains.
    let capped = base().max_cluster_size(Some(3)).build().unwrap();
    assert_eq!(capped.fit(line().view()).unwrap().labels, vec![-1, -1, -1, 0, 0, 0, -1]);
    // An epsilon above the split distance (50) merges everything into the
    // root: a single cluster only when allowed.
    let eps = base().cluster_selection_epsilon(60.0).build().unwrap();
    assert_eq!(eps.fit(line().view()).unwrap().labels, vec![0, 0, 0, 1, 1, 1, 0]);
}

#[test]
fn sklearn_convention_counts_the_point_itself() {
    // scikit-learn's min_samples 2 is the reference's min_samples 1.
    let sk = Params::new(3)
        .min_samples(Some(2))
        .min_samples_convention(MinSamplesConvention::ScikitLearn)
        .metric(Metric::Precomputed)
        .build()
        .unwrap()
        .fit(line().view())
        .unwrap();
    let hd = Params::new(3).min_samples(Some(1)).metric(Metric::Precomputed).build().unwrap();
    let hd = hd.fit(line().view()).unwrap();
    assert_eq!(sk.labels, hd.labels);
    assert_eq!(sk.probabilities, hd.probabilities);
    assert_eq!(sk.stats.core_neighbour, 1);
}

#[test]
fn params_rules() {
    assert_eq!(
        Params::new(1).check(),
        Err(ParamsError::MinClusterSizeTooSmall { min_cluster_size: 1 })
    );
    assert_eq!(
        Params::new(5).min_samples(Some(0)).check(),
        Err(ParamsError::MinSamplesTooSmall { min_samples: 0 })
    );
    assert!(matches!(
        Params::new(5).cluster_selection_epsilon(-1.0).check(),
        Err(ParamsError::InvalidEpsilon { .. })
    ));
    assert!(matches!(
        Params::new(5).cluster_selection_epsilon(f64::NAN).check(),
        Err(ParamsError::InvalidEpsilon { .. })
    ));
    assert_eq!(
        Params::new(5).max_cluster_size(Some(0)).check(),
        Err(ParamsError::MaxClusterSizeZero { max_cluster_size: 0 })
    );
    let p = Params::new(10);
    assert_eq!(p.get_min_samples(), None);
    assert_eq!(p.get_metric(), Metric::Cosine);
    assert_eq!(p.get_cluster_selection(), ClusterSelection::ExcessOfMass);
    assert!(p.build().is_ok());
}

#[test]
fn input_errors() {
    let model = Params::new(2).build().unwrap();
    let empty = Array2::<f32>::zeros((0, 3));
    assert_eq!(model.fit(empty.view()), Err(Error::EmptyInput { rows: 0, cols: 3 }));
    let nan = array![[1.0, 2.0], [f64::NAN, 1.0]];
    assert_eq!(model.fit(nan.view()), Err(Error::NonFinite { row: 1, col: 0 }));
    let inf = array![[1.0_f32, 2.0], [1.0, f32::INFINITY]];
    assert_eq!(model.fit(inf.view()), Err(Error::NonFinite { row: 1, col: 1 }));
    let zero = array![[1.0, 2.0], [0.0, 0.0]];
    assert_eq!(model.fit(zero.view()), Err(Error::ZeroVector { row: 1 }));
    let euclid = Params::new(2).metric(Metric::Euclidean).build().unwrap();
    assert!(euclid.fit(zero.view()).is_ok(), "zero rows are fine for euclidean");
    let ragged = vec![vec![1.0, 2.0], vec![1.0, 2.0], vec![1.0]];
    assert_eq!(model.fit_rows(&ragged), Err(Error::RaggedRows { row: 2, expected: 2, found: 1 }));
    let pre = Params::new(2).metric(Metric::Precomputed).build().unwrap();
    assert_eq!(pre.fit(array![[0.0, 1.0]].view()), Err(Error::NotSquare { rows: 1, cols: 2 }));
    assert_eq!(
        pre.fit(array![[0.0, 1.0], [2.0, 0.0]].view()),
        Err(Error::NotSymmetric { row: 0, col: 1 })
    );
    assert_eq!(
        pre.fit(array![[0.0, -1.0], [-1.0, 0.0]].view()),
        Err(Error::NegativeDistance { row: 0, col: 1 })
    );
    assert_eq!(
        pre.fit(array![[1.0, 1.0], [1.0, 0.0]].view()),
        Err(Error::NonZeroDiagonal { row: 0 })
    );
}

#[test]
fn huge_euclidean_rows_use_exact_pairs() {
    // Rows near 1e20 overflow f32 products; the crate falls back to exact pairs.
    let x = blobs(60, 5).mapv(|v| f64::from(v) * 1e20);
    let big = Params::new(4).metric(Metric::Euclidean).build().unwrap().fit(x.view()).unwrap();
    let small =
        Params::new(4).metric(Metric::Euclidean).build().unwrap().fit((x / 1e20).view()).unwrap();
    assert_eq!(big.labels, small.labels);
}

#[test]
fn one_point_is_noise() {
    let c = Params::new(2).build().unwrap().fit(array![[1.0, 0.5]].view()).unwrap();
    assert_eq!(c.labels, vec![-1]);
    assert_eq!(c.n_clusters(), 0);
}

/// Seeded blobs in 30 dimensions, with duplicated rows.
fn blobs(n: usize, seed: u64) -> Array2<f32> {
    let mut state = seed;
    let mut next = move || {
        state =
            state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (f64::from(u32::try_from(state >> 40).unwrap()) / f64::from(1_u32 << 24) - 0.5) as f32
    };
    let centres: Vec<Vec<f32>> = (0..5).map(|_| (0..30).map(|_| 4.0 * next()).collect()).collect();
    let mut x = Array2::zeros((n, 30));
    for i in 0..n {
        let source = if i % 9 == 8 { i - 1 } else { i };
        for j in 0..30 {
            x[[i, j]] = if source == i { centres[i % 5][j] + next() } else { x[[source, j]] };
        }
    }
    x
}

#[test]
fn same_answer_on_any_thread_count() {
    let x = blobs(400, 7);
    let model = Params::new(8).build().unwrap();
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| model.fit(x.view()).unwrap())
    };
    let one = run(1);
    assert!(one.n_clusters() >= 2);
    assert_eq!(one.labels, run(2).labels);
    assert_eq!(one.probabilities, run(3).probabilities);
}

#[test]
fn f32_and_f64_inputs_agree() {
    let x = blobs(300, 3);
    let model = Params::new(6).metric(Metric::Euclidean).build().unwrap();
    let a = model.fit(x.view()).unwrap();
    let b = model.fit(x.mapv(f64::from).view()).unwrap();
    assert_eq!(a, b);
}

/// JSON keeps everything up to float parsing (exact with bincode).
fn assert_json_round_trip(c: &darkdca_hdbscan::Clustering) {
    let back: darkdca_hdbscan::Clustering =
        serde_json::from_str(&serde_json::to_string(c).unwrap()).unwrap();
    assert_eq!(back.labels, c.labels);
    assert_eq!(back.stats, c.stats);
    let close = |a: &[f64], b: &[f64]| {
        a.iter().zip(b).all(|(x, y)| x == y || (x - y).abs() <= 1e-12 * x.abs())
    };
    assert!(close(&back.probabilities, &c.probabilities));
    assert!(close(&back.outlier_scores, &c.outlier_scores));
    assert!(close(&back.persistence, &c.persistence));
    let lambdas = |c: &darkdca_hdbscan::Clustering| -> Vec<f64> {
        c.condensed_tree.rows.iter().map(|r| r.lambda).collect()
    };
    assert!(close(&lambdas(&back), &lambdas(c)));
    let config = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(c, config).unwrap();
    let (exact, _): (darkdca_hdbscan::Clustering, usize) =
        bincode::serde::decode_from_slice(&bytes, config).unwrap();
    assert_eq!(&exact, c);
}

#[test]
fn serialises_and_deserialises() {
    let x = blobs(200, 11);
    assert_json_round_trip(&Params::new(5).build().unwrap().fit(x.view()).unwrap());
    // Infinite lambdas (duplicates at distance zero) survive JSON as null.
    let dup = Array2::<f64>::ones((12, 3));
    let c = Params::new(4).metric(Metric::Euclidean).build().unwrap().fit(dup.view()).unwrap();
    assert!(c.condensed_tree.rows.iter().all(|r| r.lambda.is_infinite()));
    assert_json_round_trip(&c);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn invariants(
        n in 2_usize..120,
        seed in 0_u64..1000,
        mcs in 2_usize..12,
        leaf in any::<bool>(),
    ) {
        let x = blobs(n, seed);
        let method = if leaf { ClusterSelection::Leaf } else { ClusterSelection::ExcessOfMass };
        let model = Params::new(mcs).cluster_selection(method).build().unwrap();
        let c = model.fit(x.view()).unwrap();
        let k = i32::try_from(c.n_clusters()).unwrap();
        prop_assert_eq!(c.labels.len(), n);
        for i in 0..n {
            prop_assert!(c.labels[i] >= -1 && c.labels[i] < k);
            prop_assert!((0.0..=1.0).contains(&c.probabilities[i]));
            prop_assert!((0.0..=1.0).contains(&c.outlier_scores[i]));
            prop_assert_eq!(c.labels[i] == -1, c.probabilities[i] == 0.0);
        }
        for l in 0..k {
            prop_assert!(c.labels.iter().filter(|&&v| v == l).count() >= mcs.min(n));
        }
        // Reversing the rows permutes the answer and changes nothing else.
        let rev = x.slice(ndarray::s![..;-1, ..]).to_owned();
        let d = model.fit(rev.view()).unwrap();
        for i in 0..n {
            prop_assert_eq!(d.labels[n - 1 - i] == -1, c.labels[i] == -1);
            prop_assert!((d.probabilities[n - 1 - i] - c.probabilities[i]).abs() < 1e-12);
            prop_assert!((d.outlier_scores[n - 1 - i] - c.outlier_scores[i]).abs() < 1e-12);
        }
    }
}
