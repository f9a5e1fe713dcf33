//! Streaming readers of telescope captures (pcap, pcapng, flow CSV) into
//! daily batches, sender statistics and i-DarkVec sentences.

mod record;

pub use record::{Addr, PacketRecord, proto, tcp_flags};

/// Names of opaque sender or destination identifiers, indexed by
/// [`Addr::Opaque`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpaqueNames {
    names: Vec<String>,
}
