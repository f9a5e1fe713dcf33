//! Silhouette and agreement scores against scikit-learn's values.
//!
//! The fixtures are written by `docs/scripts/metrics_reference.py`; each case
//! stores its input and scikit-learn's output (or the error it raised).

use std::collections::BTreeMap;
use std::path::PathBuf;

use darkdca_metrics::{
    AverageMethod, Error, Metric, NoiseHandling, Silhouette, SilhouetteParams,
    adjusted_mutual_info, adjusted_mutual_info_with, adjusted_rand_index, normalized_mutual_info,
    normalized_mutual_info_with,
};
use ndarray::Array2;
use serde::Deserialize;

const TOLERANCE: f64 = 1e-6;

#[derive(Deserialize)]
struct Fixture<C> {
    cases: Vec<C>,
}

#[derive(Deserialize)]
struct SilhouetteCase {
    name: String,
    metric: String,
    noise: String,
    x: Vec<Vec<f64>>,
    labels: Vec<i32>,
    error: Option<String>,
    samples: Option<Vec<Option<f64>>>,
    per_cluster: Option<BTreeMap<String, f64>>,
    score: Option<f64>,
}

#[derive(Deserialize)]
struct AgreementCase {
    name: String,
    a: Vec<i64>,
    b: Vec<i64>,
    ari: f64,
    nmi: f64,
    ami: f64,
    nmi_by_average: BTreeMap<String, f64>,
    ami_by_average: BTreeMap<String, f64>,
}

fn load<C: for<'de> Deserialize<'de>>(file: &str) -> Vec<C> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/metrics").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fixture: Fixture<C> = serde_json::from_str(&text).expect("fixture parses");
    fixture.cases
}

impl SilhouetteCase {
    fn params(&self) -> SilhouetteParams {
        let metric = match self.metric.as_str() {
            "cosine" => Metric::Cosine,
            "euclidean" => Metric::Euclidean,
            "precomputed" => Metric::Precomputed,
            other => panic!("unknown metric {other}"),
        };
        let noise = match self.noise.as_str() {
            "exclude" => NoiseHandling::Exclude,
            "as_cluster" => NoiseHandling::AsCluster,
            other => panic!("unknown noise handling {other}"),
        };
        SilhouetteParams::new(metric).noise(noise)
    }

    fn matrix(&self) -> Array2<f64> {
        let columns = self.x[0].len();
        let flat: Vec<f64> = self.x.iter().flatten().copied().collect();
        Array2::from_shape_vec((self.x.len(), columns), flat).expect("rectangular input")
    }

    fn check(&self, got: &Silhouette, input: &str) {
        let name = &self.name;
        let want = self.samples.as_ref().expect("samples");
        assert_eq!(got.samples.len(), want.len(), "{name} ({input})");
        for (i, (g, w)) in got.samples.iter().zip(want).enumerate() {
            match (g, w) {
                (Some(g), Some(w)) => {
                    assert!((g - w).abs() < TOLERANCE, "{name} ({input}) sample {i}: {g} vs {w}");
                }
                (None, None) => {}
                _ => panic!("{name} ({input}) sample {i}: {g:?} vs {w:?}"),
            }
        }
        let want_clusters = self.per_cluster.as_ref().expect("per_cluster");
        assert_eq!(got.per_cluster.len(), want_clusters.len(), "{name}");
        for (label, w) in want_clusters {
            let g = got.per_cluster[&label.parse::<i32>().expect("integer label")];
            assert!((g - w).abs() < TOLERANCE, "{name} ({input}) cluster {label}: {g} vs {w}");
        }
        let w = self.score.expect("score");
        assert!((got.score - w).abs() < TOLERANCE, "{name} ({input}) score: {} vs {w}", got.score);
    }
}

#[test]
fn silhouette_matches_scikit_learn() {
    let cases: Vec<SilhouetteCase> = load("silhouette.json");
    assert!(cases.len() >= 6);
    for case in &cases {
        let x = case.matrix();
        let params = case.params();
        let as_f64 = params.compute(x.view(), &case.labels);
        // The fixture values are exact in f32, so the f32 path sees the same data.
        let x32 = x.mapv(|v| v as f32);
        let as_f32 = params.compute(x32.view(), &case.labels);

        if case.error.is_some() {
            for result in [as_f64, as_f32] {
                assert!(
                    matches!(result, Err(Error::ClusterCount { .. })),
                    "{}: expected a cluster-count error, got {result:?}",
                    case.name
                );
            }
            continue;
        }
        case.check(&as_f64.unwrap_or_else(|e| panic!("{}: {e}", case.name)), "f64");
        case.check(&as_f32.unwrap_or_else(|e| panic!("{}: {e}", case.name)), "f32");
    }
}

#[test]
fn agreement_matches_scikit_learn() {
    let cases: Vec<AgreementCase> = load("agreement.json");
    let methods = [
        ("min", AverageMethod::Min),
        ("geometric", AverageMethod::Geometric),
        ("arithmetic", AverageMethod::Arithmetic),
        ("max", AverageMethod::Max),
    ];
    for case in &cases {
        let name = &case.name;
        let close = |got: f64, want: f64, what: &str| {
            assert!((got - want).abs() < TOLERANCE, "{name} {what}: {got} vs {want}");
        };
        close(adjusted_rand_index(&case.a, &case.b).expect("ari"), case.ari, "ari");
        close(normalized_mutual_info(&case.a, &case.b).expect("nmi"), case.nmi, "nmi");
        close(adjusted_mutual_info(&case.a, &case.b).expect("ami"), case.ami, "ami");
        for (key, method) in methods {
            let nmi = normalized_mutual_info_with(&case.a, &case.b, method).expect("nmi");
            close(nmi, case.nmi_by_average[key], &format!("nmi {key}"));
            let ami = adjusted_mutual_info_with(&case.a, &case.b, method).expect("ami");
            close(ami, case.ami_by_average[key], &format!("ami {key}"));
        }
    }
}

#[derive(Deserialize)]
struct FormulaCase {
    n: usize,
    ari: f64,
    nmi: f64,
    ami: f64,
}

#[derive(Deserialize)]
struct FormulaFixture {
    formula_cases: Vec<FormulaCase>,
}

/// Labelings too large to store: `a_i = i % 600`, `b_i = (7 i + i / 13) % 500`.
#[test]
fn large_agreement_matches_scikit_learn() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/metrics/agreement.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fixture: FormulaFixture = serde_json::from_str(&text).expect("fixture parses");
    assert!(!fixture.formula_cases.is_empty());
    for case in &fixture.formula_cases {
        let a: Vec<usize> = (0..case.n).map(|i| i % 600).collect();
        let b: Vec<usize> = (0..case.n).map(|i| (i * 7 + i / 13) % 500).collect();
        let ari = adjusted_rand_index(&a, &b).expect("ari");
        let nmi = normalized_mutual_info(&a, &b).expect("nmi");
        let ami = adjusted_mutual_info(&a, &b).expect("ami");
        assert!((ari - case.ari).abs() < TOLERANCE, "ari {ari} vs {}", case.ari);
        assert!((nmi - case.nmi).abs() < TOLERANCE, "nmi {nmi} vs {}", case.nmi);
        assert!((ami - case.ami).abs() < TOLERANCE, "ami {ami} vs {}", case.ami);
    }
}
