//! word2vec text and binary formats: gensim's files load, ours round-trip.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use darkdca_word2vec::{
    Embeddings, Error, Model, Params, read_word2vec_binary, read_word2vec_text,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/word2vec").join(name)
}

/// The JSON written by docs/scripts/w2v_gensim_fixture.py beside the vectors.
fn reference() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("gensim_tiny.json")).unwrap()).unwrap()
}

fn check_against_reference<T: darkdca_word2vec::Token + std::fmt::Display>(e: &Embeddings<T>) {
    let r = reference();
    let tokens: Vec<String> = e.tokens().iter().map(ToString::to_string).collect();
    let expected: Vec<&str> =
        r["tokens"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(tokens, expected);
    assert_eq!(e.dim(), 8);
    for (row, want) in e.vectors().rows().into_iter().zip(r["vectors"].as_array().unwrap()) {
        for (x, w) in row.iter().zip(want.as_array().unwrap()) {
            // Both files hold the f32 values exactly (text in shortest repr).
            assert_eq!(*x, w.as_f64().unwrap() as f32);
        }
    }
}

#[test]
fn gensim_text_file_loads_with_any_parsable_token_type() {
    check_against_reference(&read_word2vec_text::<String>(fixture("gensim_tiny.txt")).unwrap());
    check_against_reference(&read_word2vec_text::<Ipv4Addr>(fixture("gensim_tiny.txt")).unwrap());
}

#[test]
fn gensim_binary_file_loads() {
    let e = read_word2vec_binary::<Ipv4Addr>(fixture("gensim_tiny.bin")).unwrap();
    check_against_reference(&e);
    assert_eq!(e, read_word2vec_text::<Ipv4Addr>(fixture("gensim_tiny.txt")).unwrap());
}

#[test]
fn most_similar_agrees_with_gensim() {
    let e = read_word2vec_text::<String>(fixture("gensim_tiny.txt")).unwrap();
    let r = reference();
    for (query, want) in r["most_similar"].as_object().unwrap() {
        let got = e.most_similar(query, 3).unwrap();
        for (g, w) in got.iter().zip(want.as_array().unwrap()) {
            assert_eq!(g.token, w[0].as_str().unwrap());
            assert!((f64::from(g.cosine) - w[1].as_f64().unwrap()).abs() < 1e-5);
        }
    }
}

fn small_model() -> Model<String> {
    let corpus: Vec<Vec<String>> =
        (0..20).map(|i| (0..6).map(|j| format!("t{}", (i + j) % 9)).collect()).collect();
    let p = Params::builder().vector_size(5).epochs(2).build().unwrap();
    Model::train(&p, &corpus).unwrap().0
}

#[test]
fn our_files_round_trip_exactly_in_both_formats() {
    let model = small_model();
    let dir = tempfile::tempdir().unwrap();
    let (txt, bin) = (dir.path().join("v.txt"), dir.path().join("v.bin"));
    model.write_word2vec_text(&txt).unwrap();
    model.write_word2vec_binary(&bin).unwrap();
    for e in
        [read_word2vec_text::<String>(&txt).unwrap(), read_word2vec_binary::<String>(&bin).unwrap()]
    {
        assert_eq!(e.len(), model.len());
        for t in model.tokens() {
            assert_eq!(e.get(t).unwrap(), model.vector(t).unwrap());
        }
    }

    // Exported embeddings can be written again and read back unchanged.
    let e = read_word2vec_binary::<String>(&bin).unwrap();
    let again = dir.path().join("again.txt");
    e.write_word2vec_text(&again).unwrap();
    assert_eq!(read_word2vec_text::<String>(&again).unwrap(), e);
}

#[test]
fn unwritable_tokens_are_refused_and_leave_no_file() {
    let corpus = vec![vec!["a b".to_string(), "c".to_string()]; 3];
    let p = Params::builder().vector_size(4).epochs(1).build().unwrap();
    let (model, _) = Model::train(&p, &corpus).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.txt");
    assert!(matches!(model.write_word2vec_text(&path), Err(Error::UnwritableToken { .. })));
    assert!(!path.exists());
}

#[test]
fn malformed_files_give_format_errors_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], usize); 7] = [
        ("header", b"two 3\n1.1.1.1 1 2 3\n", 0),
        ("short", b"2 3\n1.1.1.1 1 2 3\n", 2),
        ("values", b"1 3\n1.1.1.1 1 2\n", 1),
        ("number", b"1 3\n1.1.1.1 1 x 3\n", 1),
        ("nan", b"1 3\n1.1.1.1 1 NaN 3\n", 1),
        ("repeat", b"2 1\n1.1.1.1 1\n1.1.1.1 2\n", 2),
        ("token", b"1 1\n300.1.1.1 1\n", 1),
    ];
    for (name, body, entry) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        match read_word2vec_text::<Ipv4Addr>(&path) {
            Err(Error::Format { entry: e, .. }) => assert_eq!(e, entry, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }

    // A binary file cut inside a vector.
    let path = dir.path().join("cut.bin");
    let mut body = b"1 2\na ".to_vec();
    body.extend_from_slice(&1.0f32.to_le_bytes());
    std::fs::write(&path, body).unwrap();
    assert!(matches!(read_word2vec_binary::<String>(&path), Err(Error::Format { entry: 1, .. })));
    assert!(matches!(
        read_word2vec_text::<String>(dir.path().join("missing")),
        Err(Error::Io { .. })
    ));
}
