//! Invariants of the scores, checked on random inputs, and the fast
//! silhouette checked against a direct O(n^2) computation.

use darkdca_metrics::{
    Metric, NoiseHandling, SilhouetteParams, adjusted_mutual_info, adjusted_rand_index,
    normalized_mutual_info, purity, silhouette,
};
use ndarray::Array2;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Small integer coordinates make duplicates and ties common.
fn points() -> impl Strategy<Value = (Array2<f64>, Vec<i32>)> {
    (4usize..30, 1usize..5).prop_flat_map(|(n, d)| {
        (proptest::collection::vec(-3i8..=3, n * d), proptest::collection::vec(-1i32..4, n))
            .prop_map(move |(v, labels)| {
                let x = Array2::from_shape_fn((n, d), |(i, j)| f64::from(v[i * d + j]));
                (x, labels)
            })
    })
}

/// Direct silhouette with scikit-learn's conventions, noise left out.
fn brute_force(d: &dyn Fn(usize, usize) -> f64, labels: &[i32]) -> Vec<Option<f64>> {
    let scored: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] != -1).collect();
    let mut clusters: Vec<i32> = scored.iter().map(|&i| labels[i]).collect();
    clusters.sort_unstable();
    clusters.dedup();
    let mut out = vec![None; labels.len()];
    for &i in &scored {
        let mean = |c: i32| {
            let members: Vec<usize> =
                scored.iter().copied().filter(|&j| labels[j] == c && j != i).collect();
            let sum: f64 = members.iter().map(|&j| d(i, j)).sum();
            (sum, members.len())
        };
        let (own_sum, own_n) = mean(labels[i]);
        let b = clusters
            .iter()
            .filter(|&&c| c != labels[i])
            .map(|&c| {
                let (sum, n) = mean(c);
                sum / n as f64
            })
            .fold(f64::INFINITY, f64::min);
        let s = if own_n == 0 {
            0.0
        } else {
            let a = own_sum / own_n as f64;
            if a.max(b) == 0.0 { 0.0 } else { (b - a) / a.max(b) }
        };
        out[i] = Some(s);
    }
    out
}

fn cosine_distance(x: &Array2<f64>, i: usize, j: usize) -> f64 {
    let (a, b) = (x.row(i), x.row(j));
    (1.0 - a.dot(&b) / (a.dot(&a).sqrt() * b.dot(&b).sqrt())).clamp(0.0, 2.0)
}

fn euclidean_distance(x: &Array2<f64>, i: usize, j: usize) -> f64 {
    (&x.row(i) - &x.row(j)).mapv(|v| v * v).sum().sqrt()
}

fn has_zero_row(x: &Array2<f64>, labels: &[i32]) -> bool {
    x.outer_iter().zip(labels).any(|(row, &l)| l != -1 && row.iter().all(|&v| v == 0.0))
}

fn close(a: &[Option<f64>], b: &[Option<f64>], tolerance: f64) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => (x - y).abs() <= tolerance,
            (None, None) => true,
            _ => false,
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        rng_seed: RngSeed::Fixed(20_261_204),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn euclidean_matches_brute_force_and_is_bounded((x, labels) in points()) {
        if let Ok(sil) = silhouette(x.view(), &labels, Metric::Euclidean) {
            let want = brute_force(&|i, j| euclidean_distance(&x, i, j), &labels);
            prop_assert!(close(&sil.samples, &want, 1e-9), "{:?} vs {want:?}", sil.samples);
            prop_assert!(sil.samples.iter().flatten().all(|s| (-1.0..=1.0).contains(s)));
            prop_assert!(sil.per_cluster.values().all(|s| (-1.0..=1.0).contains(s)));
            prop_assert!((-1.0..=1.0).contains(&sil.score));
        }
    }

    #[test]
    fn cosine_matches_brute_force_and_is_bounded((x, labels) in points()) {
        prop_assume!(!has_zero_row(&x, &labels));
        if let Ok(sil) = silhouette(x.view(), &labels, Metric::Cosine) {
            let want = brute_force(&|i, j| cosine_distance(&x, i, j), &labels);
            prop_assert!(close(&sil.samples, &want, 1e-9), "{:?} vs {want:?}", sil.samples);
            prop_assert!(sil.samples.iter().flatten().all(|s| (-1.0..=1.0).contains(s)));
            prop_assert!((-1.0..=1.0).contains(&sil.score));
        }
    }

    #[test]
    fn precomputed_cosine_equals_cosine((x, labels) in points()) {
        prop_assume!(!has_zero_row(&x, &labels));
        let n = x.nrows();
        // Zero rows can only be noise here; their (undefined) distances are
        // never read, so any finite value will do.
        let mut d = Array2::from_shape_fn((n, n), |(i, j)| {
            let v = cosine_distance(&x, i, j);
            if v.is_nan() { 0.0 } else { v }
        });
        d.diag_mut().fill(0.0);
        let direct = silhouette(x.view(), &labels, Metric::Cosine);
        let from_matrix = silhouette(d.view(), &labels, Metric::Precomputed);
        match (direct, from_matrix) {
            (Ok(a), Ok(b)) => prop_assert!(close(&a.samples, &b.samples, 1e-9)),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "{a:?} vs {b:?}"),
        }
    }

    #[test]
    fn f32_input_gives_the_f64_result((x, labels) in points()) {
        // Small integers are exact in f32, and all arithmetic is f64.
        let x32 = x.mapv(|v| v as f32);
        for metric in [Metric::Cosine, Metric::Euclidean] {
            prop_assert_eq!(
                silhouette(x.view(), &labels, metric),
                silhouette(x32.view(), &labels, metric)
            );
        }
    }

    #[test]
    fn silhouette_ignores_label_names((x, labels) in points()) {
        prop_assume!(!has_zero_row(&x, &labels));
        // A bijection on cluster labels that keeps -1 (noise) in place.
        let renamed: Vec<i32> = labels.iter().map(|&l| if l == -1 { -1 } else { 100 - 7 * l }).collect();
        for metric in [Metric::Cosine, Metric::Euclidean] {
            match (silhouette(x.view(), &labels, metric), silhouette(x.view(), &renamed, metric)) {
                (Ok(a), Ok(b)) => {
                    prop_assert!(close(&a.samples, &b.samples, 1e-12));
                    prop_assert!((a.score - b.score).abs() < 1e-12);
                    for (label, mean) in &a.per_cluster {
                        prop_assert!((mean - b.per_cluster[&(100 - 7 * label)]).abs() < 1e-12);
                    }
                }
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "{a:?} vs {b:?}"),
            }
        }
    }

    #[test]
    fn excluded_noise_is_the_same_as_absent_noise((x, labels) in points()) {
        prop_assume!(!has_zero_row(&x, &labels));
        let kept: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] != -1).collect();
        prop_assume!(!kept.is_empty());
        let sub = x.select(ndarray::Axis(0), &kept);
        let sub_labels: Vec<i32> = kept.iter().map(|&i| labels[i]).collect();
        let params = SilhouetteParams::new(Metric::Cosine);
        if let (Ok(all), Ok(part)) = (params.compute(x.view(), &labels), params.compute(sub.view(), &sub_labels)) {
            let picked: Vec<Option<f64>> = kept.iter().map(|&i| all.samples[i]).collect();
            prop_assert!(close(&picked, &part.samples, 1e-12));
            prop_assert_eq!(all.n_scored, kept.len());
        }
        // Scoring noise as a cluster is the same as giving it an ordinary label.
        let relabelled: Vec<i32> = labels.iter().map(|&l| if l == -1 { 99 } else { l }).collect();
        let as_cluster = params.noise(NoiseHandling::AsCluster).compute(x.view(), &labels);
        let plain = params.compute(x.view(), &relabelled);
        if let (Ok(a), Ok(b)) = (as_cluster, plain) {
            prop_assert!(close(&a.samples, &b.samples, 1e-12));
        }
    }

    #[test]
    fn purity_is_in_the_unit_interval(
        labels in proptest::collection::vec(-1i32..5, 1..60),
        seed in proptest::collection::vec(proptest::option::of(0u8..4), 60),
    ) {
        let truth = &seed[..labels.len()];
        let report = purity(&labels, truth).expect("valid input");
        for cluster in &report {
            prop_assert!(cluster.purity > 0.0 && cluster.purity <= 1.0);
            if let Some(p) = cluster.labelled_purity {
                prop_assert!(p > 0.0 && p <= 1.0);
            }
            prop_assert_eq!(cluster.distribution.iter().map(|d| d.1).sum::<usize>(), cluster.size);
            prop_assert_eq!(cluster.labelled_purity.is_some(), cluster.n_labelled > 0);
        }
        let scored = labels.iter().filter(|&&l| l != -1).count();
        prop_assert_eq!(report.iter().map(|c| c.size).sum::<usize>(), scored);
    }

    #[test]
    fn agreement_with_itself_is_perfect(a in proptest::collection::vec(-1i32..6, 10..80)) {
        prop_assert_eq!(adjusted_rand_index(&a, &a).expect("valid"), 1.0);
        let mut groups = a.clone();
        groups.sort_unstable();
        groups.dedup();
        if groups.len() > 1 {
            prop_assert!((normalized_mutual_info(&a, &a).expect("valid") - 1.0).abs() < 1e-12);
        }
        if groups.len() < a.len() {
            prop_assert!((adjusted_mutual_info(&a, &a).expect("valid") - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn agreement_ignores_names_and_order(
        a in proptest::collection::vec(0u8..5, 2..80),
        b in proptest::collection::vec(0u8..7, 80),
    ) {
        let b = &b[..a.len()];
        let renamed: Vec<String> = b.iter().map(|v| format!("group-{}", 9 - v)).collect();
        let ari = adjusted_rand_index(&a, b).expect("valid");
        prop_assert!((-1.0..=1.0).contains(&ari));
        prop_assert!((ari - adjusted_rand_index(&a, &renamed).expect("valid")).abs() < 1e-12);
        prop_assert!((ari - adjusted_rand_index(b, &a).expect("valid")).abs() < 1e-12);
        let nmi = normalized_mutual_info(&a, b).expect("valid");
        prop_assert!((0.0..=1.0 + 1e-12).contains(&nmi));
        prop_assert!((nmi - normalized_mutual_info(&renamed, &a).expect("valid")).abs() < 1e-12);
        let ami = adjusted_mutual_info(&a, b).expect("valid");
        prop_assert!((ami - adjusted_mutual_info(&renamed, &a).expect("valid")).abs() < 1e-9);
    }
}
