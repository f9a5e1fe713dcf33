//! [`Embeddings`]: tokens with one vector each, detached from a model.

use std::collections::HashMap;

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::model::{Similar, Token, nearest};

/// Tokens and a matrix with one row per token, as returned by
/// [`crate::Model::normalized_vectors`] or read from a word2vec file.
#[derive(Debug, Clone)]
pub struct Embeddings<T> {
    tokens: Vec<T>,
    vectors: Array2<f32>,
    index: HashMap<T, usize>,
}

impl<T: PartialEq> PartialEq for Embeddings<T> {
    fn eq(&self, other: &Self) -> bool {
        self.tokens == other.tokens && self.vectors == other.vectors
    }
}

impl<T: Token> Embeddings<T> {
    /// Pairs tokens with rows. Callers guarantee one row per token and
    /// distinct tokens.
    pub(crate) fn from_rows(tokens: Vec<T>, vectors: Array2<f32>) -> Self {
        debug_assert_eq!(tokens.len(), vectors.nrows());
        let index = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i)).collect();
        Embeddings { tokens, vectors, index }
    }

    /// The tokens, in row order.
    pub fn tokens(&self) -> &[T] {
        &self.tokens
    }

    /// The matrix, one row per token.
    pub fn vectors(&self) -> ArrayView2<'_, f32> {
        self.vectors.view()
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether there is no token.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Dimension of the vectors.
    pub fn dim(&self) -> usize {
        self.vectors.ncols()
    }

    /// Row index of a token.
    pub fn position(&self, token: &T) -> Option<usize> {
        self.index.get(token).copied()
    }

    /// The vector of a token.
    pub fn get(&self, token: &T) -> Option<ArrayView1<'_, f32>> {
        self.position(token).map(|i| self.vectors.row(i))
    }

    /// The `k` tokens most similar to `token` by cosine, best first, the
    /// token itself excluded, ties broken by token order; `None` if the
    /// token is absent.
    pub fn most_similar(&self, token: &T, k: usize) -> Option<Vec<Similar<T>>> {
        let query = self.position(token)?;
        // Row-major always holds here; `as_standard_layout` only borrows then.
        let layout = self.vectors.as_standard_layout();
        let rows = layout.as_slice().unwrap_or(&[]);
        let dim = self.dim();
        let tokens = &self.tokens;
        Some(
            nearest(
                self.len(),
                |i| &rows[i * dim..(i + 1) * dim],
                query,
                k,
                |a, b| tokens[a].cmp(&tokens[b]),
            )
            .into_iter()
            .map(|(cosine, i)| Similar { token: tokens[i].clone(), cosine })
            .collect(),
        )
    }

    /// Splits into tokens and matrix.
    pub fn into_parts(self) -> (Vec<T>, Array2<f32>) {
        (self.tokens, self.vectors)
    }
}
