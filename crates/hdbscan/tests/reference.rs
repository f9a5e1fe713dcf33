//! Agreement with the Python `hdbscan` package (and scikit-learn's `HDBSCAN`
//! for its `min_samples` convention) on the fixtures that
//! `docs/scripts/hdbscan_reference.py` generates under `fixtures/hdbscan/`.
//!
//! Each fixture lists the points whose reference label, probability or
//! outlier score changed when the script shuffled the rows (ties between
//! equal mutual-reachability distances, merged in sort order by the
//! reference). On those points the reference has no single answer, so the
//! tests skip them when comparing and instead assert this crate's documented
//! behaviour: the same answer for every row order.

use std::collections::HashMap;
use std::path::PathBuf;

use darkdca_hdbscan::{ClusterSelection, Clustering, Metric, MinSamplesConvention, Params};
use ndarray::{Array2, Axis};
use serde_json::Value;

struct Fixture {
    name: String,
    meta: Value,
    x: Array2<f64>,
    is_f32: bool,
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hdbscan")
}

fn load(name: &str) -> Fixture {
    let dir = fixture_dir();
    let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("fixture json");
    let meta: Value = serde_json::from_str(&text).expect("valid json");
    let bytes = std::fs::read(dir.join(format!("{name}.bin"))).expect("fixture bin");
    let shape: Vec<usize> =
        meta["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let is_f32 = meta["dtype"] == "f32";
    let values: Vec<f64> = if is_f32 {
        bytes
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().unwrap())))
            .collect()
    } else {
        bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
    };
    let x = Array2::from_shape_vec((shape[0], shape[1]), values).expect("shape matches");
    Fixture { name: name.to_owned(), meta, x, is_f32 }
}

fn params(f: &Fixture) -> Params {
    let p = &f.meta["params"];
    let metric = match f.meta["metric"].as_str().unwrap() {
        "cosine" => Metric::Cosine,
        "euclidean" => Metric::Euclidean,
        _ => Metric::Precomputed,
    };
    let method = match p["cluster_selection_method"].as_str().unwrap() {
        "leaf" => ClusterSelection::Leaf,
        _ => ClusterSelection::ExcessOfMass,
    };
    let convention = match f.meta["min_samples_convention"].as_str().unwrap() {
        "scikit_learn" => MinSamplesConvention::ScikitLearn,
        _ => MinSamplesConvention::Hdbscan,
    };
    let max_size = p["max_cluster_size"].as_u64().unwrap() as usize;
    Params::new(p["min_cluster_size"].as_u64().unwrap() as usize)
        .min_samples(p["min_samples"].as_u64().map(|v| v as usize))
        .metric(metric)
        .cluster_selection(method)
        .cluster_selection_epsilon(p["cluster_selection_epsilon"].as_f64().unwrap())
        .allow_single_cluster(p["allow_single_cluster"].as_bool().unwrap())
        .max_cluster_size((max_size > 0).then_some(max_size))
        .min_samples_convention(convention)
}

fn fit(f: &Fixture, x: &Array2<f64>) -> Clustering {
    let model = params(f).build().expect("valid params");
    if f.is_f32 {
        let x32 = x.mapv(|v| v as f32);
        model.fit(x32.view()).expect("fit f32")
    } else {
        model.fit(x.view()).expect("fit f64")
    }
}

fn list(v: &Value, key: &str) -> Vec<Option<f64>> {
    v[key].as_array().map_or_else(Vec::new, |a| a.iter().map(Value::as_f64).collect())
}

fn indices(v: &Value, key: &str) -> Vec<usize> {
    v[key].as_array().unwrap().iter().map(|i| i.as_u64().unwrap() as usize).collect()
}

/// Maps our clusters to the reference's, checking the partitions agree on `keep`.
fn assert_same_partition(
    name: &str,
    ours: &[i32],
    reference: &[i32],
    keep: &[bool],
) -> HashMap<i32, i32> {
    let mut map: HashMap<i32, i32> = HashMap::from([(-1, -1)]);
    let mut back: HashMap<i32, i32> = HashMap::from([(-1, -1)]);
    for i in (0..ours.len()).filter(|&i| keep[i]) {
        let (a, b) = (ours[i], reference[i]);
        assert_eq!(*map.entry(a).or_insert(b), b, "{name}: point {i} ours {a} reference {b}");
        assert_eq!(*back.entry(b).or_insert(a), a, "{name}: point {i} ours {a} reference {b}");
    }
    map
}

fn check(name: &str) {
    let f = load(name);
    let c = fit(&f, &f.x);
    let n = f.x.nrows();
    let reference: Vec<i32> =
        f.meta["labels"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap() as i32).collect();
    let stable = |key: &str| {
        let mut keep = vec![true; n];
        indices(&f.meta, key).into_iter().for_each(|i| keep[i] = false);
        keep
    };
    let (keep_labels, keep_probs, keep_scores) = (
        stable("unstable_labels"),
        stable("unstable_probabilities"),
        stable("unstable_outlier_scores"),
    );

    let map = assert_same_partition(name, &c.labels, &reference, &keep_labels);
    let n_ref =
        reference.iter().filter(|&&l| l >= 0).collect::<std::collections::HashSet<_>>().len();
    assert_eq!(c.n_clusters(), n_ref, "{name}: number of clusters");

    for (i, p) in list(&f.meta, "probabilities").into_iter().enumerate() {
        if keep_probs[i] {
            let p = p.expect("finite probability");
            assert!(
                (c.probabilities[i] - p).abs() <= 1e-6,
                "{name}: probability {i}: {} vs {p}",
                c.probabilities[i]
            );
        }
    }
    for (i, s) in list(&f.meta, "outlier_scores").into_iter().enumerate() {
        if keep_scores[i] {
            // The reference's NaN (null) is 0/0 of an infinite lambda: the crate returns 1.
            let s = s.unwrap_or(1.0);
            assert!(
                (c.outlier_scores[i] - s).abs() <= 1e-6,
                "{name}: outlier score {i}: {} vs {s}",
                c.outlier_scores[i]
            );
        }
    }
    if f.meta["order_dependent"] == false {
        for (label, p) in list(&f.meta, "persistence").into_iter().enumerate() {
            let ours = map.iter().find(|(_, r)| **r == label as i32).map(|(o, _)| *o).unwrap();
            let p = p.unwrap();
            assert!(
                (c.persistence[ours as usize] - p).abs() <= 1e-6,
                "{name}: persistence {label}"
            );
        }
    }
    assert_order_independent(&f, &c);
}

/// The crate's own promise: any row order gives the same answer.
fn assert_order_independent(f: &Fixture, c: &Clustering) {
    let n = f.x.nrows();
    // A fixed scrambling permutation (multiplicative, 7 is coprime with the sizes used).
    let step = (1..n).rev().find(|s| gcd(*s, n) == 1 && *s * 3 > n).unwrap_or(1);
    let perm: Vec<usize> = (0..n).map(|i| (i * step + 3) % n).collect();
    let x = if f.meta["metric"] == "precomputed" {
        f.x.select(Axis(0), &perm).select(Axis(1), &perm)
    } else {
        f.x.select(Axis(0), &perm)
    };
    let d = fit(f, &x);
    let mut back = vec![0; n];
    for (new, &old) in perm.iter().enumerate() {
        back[old] = new;
    }
    let labels: Vec<i32> = (0..n).map(|i| d.labels[back[i]]).collect();
    assert_same_partition(&f.name, &labels, &c.labels, &vec![true; n]);
    for (i, &j) in back.iter().enumerate() {
        assert!(
            (d.probabilities[j] - c.probabilities[i]).abs() <= 1e-12,
            "{}: permuted probability {i}",
            f.name
        );
        assert!(
            (d.outlier_scores[j] - c.outlier_scores[i]).abs() <= 1e-12,
            "{}: permuted score {i}",
            f.name
        );
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
    };
}

fixtures!(
    blobs_cosine_200d,
    blobs_cosine_200d_leaf,
    densities_euclidean,
    epsilon_eom,
    epsilon_leaf,
    max_cluster_size,
    duplicates_euclidean,
    identical,
    identical_single,
    fewer_than_min_cluster_size,
    single_cluster_off,
    single_cluster_on,
    precomputed_cosine,
    sklearn_convention,
    sender_embeddings,
);
