//! The crate's one error type.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while reading, batching or writing traces.
///
/// Variants about input data name the file (or the label given to an
/// in-memory reader) and the byte offset at which the problem was found, so
/// that a user can inspect the capture with other tools.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened.
    #[error("cannot open {}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Reading failed (other than a clean end of file).
    #[error("read error in {} at byte {offset}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Offset in the (decompressed) stream where the read failed.
        offset: u64,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Writing failed.
    #[error("write error")]
    Write {
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file does not start with a known capture magic number.
    #[error("{} is not a pcap or pcapng capture (magic {magic:#010x})", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The first four bytes, read as a big-endian number.
        magic: u32,
    },
    /// The stream ended inside a header or a record.
    #[error(
        "{} is truncated: {what} at byte {offset} needs {needed} bytes, {available} left",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Offset of the header or record that is cut short.
        offset: u64,
        /// What was being read.
        what: &'static str,
        /// Bytes that structure needs.
        needed: u64,
        /// Bytes that were left in the stream.
        available: u64,
    },
    /// A length field is impossible (too small, not aligned, or beyond the
    /// configured maximum).
    #[error("{} has a corrupt {what} length {length} at byte {offset}", path.display())]
    BadLength {
        /// The file.
        path: PathBuf,
        /// Offset of the header carrying the length.
        offset: u64,
        /// Which structure.
        what: &'static str,
        /// The length found.
        length: u64,
    },
    /// A header field holds a value this reader cannot interpret.
    #[error("{} has an invalid {what} at byte {offset}: {value}", path.display())]
    BadHeader {
        /// The file.
        path: PathBuf,
        /// Offset of the header.
        offset: u64,
        /// Which field.
        what: &'static str,
        /// The value found.
        value: u64,
    },
    /// The capture's link type is not one this crate decodes.
    #[error("{} uses unsupported link type {link_type} (header at byte {offset})", path.display())]
    UnknownLinkType {
        /// The file.
        path: PathBuf,
        /// Offset of the file header or interface description block.
        offset: u64,
        /// The link type number.
        link_type: u32,
    },
    /// A pcapng packet refers to an interface that was never described.
    #[error("{} has a packet for undeclared interface {interface} at byte {offset}", path.display())]
    UnknownInterface {
        /// The file.
        path: PathBuf,
        /// Offset of the packet block.
        offset: u64,
        /// The interface id.
        interface: u32,
    },
    /// A CSV row or header could not be used.
    #[error("{} line {line}: {reason}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// One-based line number (the header is line 1).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A record cannot be represented by the writer.
    #[error("cannot write record: {reason}")]
    Unwritable {
        /// What is wrong.
        reason: &'static str,
    },
    /// A parameter is out of its valid range.
    #[error("invalid parameter {name}: {reason}")]
    Params {
        /// The parameter.
        name: &'static str,
        /// The rule it breaks.
        reason: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
