//! Saving and loading whole models.

use darkdca_word2vec::{Error, FORMAT_VERSION, MAGIC, Model, Params};

fn corpus(shift: u32) -> Vec<Vec<u32>> {
    (0..30).map(|i| (0..8).map(|j| (i * 3 + j + shift) % 40).collect()).collect()
}

fn model() -> Model<u32> {
    let p =
        Params::builder().vector_size(6).epochs(2).retire_after(Some(3)).seed(11).build().unwrap();
    Model::train(&p, &corpus(0)).unwrap().0
}

#[test]
fn load_restores_everything_and_training_continues_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.w2v");
    let mut original = model();
    original.save(&path).unwrap();
    let mut loaded = Model::<u32>::load(&path).unwrap();
    assert_eq!(loaded.params(), original.params());
    assert_eq!(loaded.tokens(), original.tokens());
    assert_eq!(loaded.n_batches(), original.n_batches());
    for t in original.tokens() {
        assert_eq!(loaded.vector(t), original.vector(t));
        assert_eq!(loaded.output_vector(t), original.output_vector(t));
        assert_eq!(loaded.count(t), original.count(t));
        assert_eq!(loaded.last_seen(t), original.last_seen(t));
    }

    // Same next batch, same seed, one thread: bit-identical results.
    let a = original.update(&corpus(50)).unwrap();
    let b = loaded.update(&corpus(50)).unwrap();
    assert_eq!((a.n_new_tokens, a.n_pairs), (b.n_new_tokens, b.n_pairs));
    assert_eq!(loaded.normalized_vectors(), original.normalized_vectors());
}

#[test]
fn header_errors_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.w2v");
    model().save(&path).unwrap();
    let good = std::fs::read(&path).unwrap();
    let load_bytes = |bytes: &[u8]| {
        let p = dir.path().join("bad.w2v");
        std::fs::write(&p, bytes).unwrap();
        Model::<u32>::load(&p)
    };

    assert!(matches!(load_bytes(b"not a model at all, no"), Err(Error::BadMagic { .. })));
    let mut other = good.clone();
    other[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert!(matches!(
        load_bytes(&other),
        Err(Error::UnsupportedVersion { found, expected, .. }) if found == FORMAT_VERSION + 1 && expected == FORMAT_VERSION
    ));
    for cut in [0, 5, 20, good.len() / 2, good.len() - 1] {
        assert!(matches!(load_bytes(&good[..cut]), Err(Error::Truncated { .. })), "cut at {cut}");
    }
    let mut flipped = good.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x40;
    assert!(matches!(load_bytes(&flipped), Err(Error::Corrupt { .. })));
    assert_eq!(&good[..8], &MAGIC);
    assert!(matches!(Model::<u32>::load(dir.path().join("missing")), Err(Error::Io { .. })));
}

#[test]
fn wrong_token_type_is_a_decode_or_consistency_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.w2v");
    let p = Params::builder().vector_size(3).epochs(1).build().unwrap();
    let (m, _) = Model::train(&p, &[vec!["alpha".to_string(), "beta".to_string()]]).unwrap();
    m.save(&path).unwrap();
    assert!(matches!(
        Model::<u64>::load(&path),
        Err(Error::Decode { .. } | Error::Inconsistent { .. })
    ));
    assert_eq!(Model::<String>::load(&path).unwrap().tokens(), m.tokens());
}

#[test]
fn saving_replaces_the_file_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.w2v");
    model().save(&path).unwrap();
    model().save(&path).unwrap();
    let names: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("m.w2v")]);

    // A directory in the way: an i/o error, nothing half-written left behind.
    let blocked = dir.path().join("blocked");
    std::fs::create_dir(&blocked).unwrap();
    assert!(matches!(model().save(&blocked), Err(Error::Io { .. })));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}
