//! The crate's error type.

/// Everything that can go wrong in this crate.
///
/// Parameter problems are caught once, when [`crate::ParamsBuilder::build`] runs; data
/// problems when a [`crate::Partition`] is built or a batch is pushed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A threshold or another parameter lies outside its documented range.
    #[error("parameter `{name}` is {value}, expected {expected}")]
    InvalidParam {
        /// The parameter's name, as spelled by its setter.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// The accepted range, in words.
        expected: &'static str,
    },
    /// The novelty look-back window is empty or starts before lag 1.
    #[error("novelty look-back lags {min_lag}..={max_lag} are empty or start at 0")]
    InvalidLookBack {
        /// The smallest lag looked at.
        min_lag: u64,
        /// The largest lag looked at.
        max_lag: u64,
    },
    /// A member appears twice in one partition.
    #[error("member at input position {position} appears twice in the partition")]
    DuplicateMember {
        /// Position of the second occurrence in the input.
        position: usize,
    },
    /// A member weight is not finite and positive.
    #[error("weight {weight} at input position {position} is not finite and positive")]
    InvalidWeight {
        /// Position of the member in the input.
        position: usize,
        /// The rejected weight.
        weight: f64,
    },
    /// A batch was pushed whose id does not come after the previous batch's id.
    #[error("batch {batch} pushed after batch {last}: batch ids must increase")]
    BatchOutOfOrder {
        /// The id of the rejected batch.
        batch: u64,
        /// The id of the last accepted batch.
        last: u64,
    },
    /// Too many members or clusters for the tracker's 32-bit indices.
    #[error("capacity exceeded: more than {limit} {what}")]
    Capacity {
        /// What overflowed (members, past clusters).
        what: &'static str,
        /// The largest supported count.
        limit: u64,
    },
    /// The lineage graph could not be written as JSON.
    #[error("lineage graph JSON export failed: {message}")]
    Export {
        /// The serializer's message.
        message: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
