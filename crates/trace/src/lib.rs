//! Telescope traces in, daily batches, sender statistics and i-DarkVec
//! sentences out.
//!
//! This is the first stage of darkdca. It reads what a network telescope
//! (darknet) recorded, cuts it into batches (UTC days by default), keeps
//! per-sender statistics, and builds the corpus that the embedding stage
//! trains on.
//!
//! # Data flow
//!
//! ```text
//! pcap / pcapng / CSV (plain or .gz)
//!   -> CaptureReader / CsvReader        one PacketRecord per packet, ReadReport
//!   -> Batcher (BatchParams)            direction filter, reordering, windows
//!   -> Batch                            SenderStats per sender + packet log
//!   -> Batch::corpus (CorpusParams)     Corpus: one Sentence per Service
//! ```
//!
//! * [`CaptureReader`] streams pcap (microsecond or nanosecond magic, either
//!   byte order) and pcapng (several sections and interfaces, `if_tsresol`,
//!   `if_tsoffset`, enhanced, simple and obsolete packet blocks; other blocks
//!   skipped). Link types: Ethernet with 802.1Q/QinQ tags, Linux SLL and
//!   SLL2, raw IPv4/IPv6, BSD and OpenBSD loopback. It decodes IPv4 (options,
//!   fragments: only the first has ports), IPv6 (extension headers walked),
//!   TCP (ports, flags, sequence number), UDP, and keeps any other protocol
//!   by number. Parsing is by hand over one reused 1 MiB buffer: no copy and
//!   no allocation per packet.
//! * [`CsvReader`] reads per-packet or per-flow CSV logs through a
//!   [`CsvLayout`]: presets for the i-DarkVec files ([`CsvLayout::darkvec`])
//!   and the AWS honeypot log ([`CsvLayout::marx`]), or any column mapping.
//!   Pseudonyms become [`Addr::Opaque`] ids named in [`OpaqueNames`].
//! * Both readers skip *timestamp outliers*: a record whose time jumps
//!   far from the rest of its file and back (see below). They are counted
//!   in the [`ReadReport`] as [`Malformed::TimestampOutlier`].
//! * [`Batcher`] assigns records to windows of [`BatchParams`], drops
//!   packets addressed outside the telescope's prefixes, and puts slightly
//!   out-of-order records (several files per day, files spanning midnight)
//!   back in time order.
//! * [`Batch`] holds [`SenderStats`] (packets, distinct destination ports and
//!   addresses, top ports, protocols, first and last seen, Mirai-like
//!   packets) and a compact packet log; [`Batch::active_senders`] applies the
//!   activity filter and [`Batch::corpus`] builds the [`Corpus`].
//! * [`PcapWriter`] synthesises valid frames from records, for fixtures and
//!   the simulator.
//!
//! # Example
//!
//! ```
//! use darkdca_trace::{
//!     Addr, BatchParams, Batcher, CaptureReader, CorpusParams, PacketRecord, PcapWriter,
//!     Prefix, WriterOptions, proto, DAY_NS,
//! };
//!
//! // Write a small capture: 8 SYNs from each of two scanners to port 23.
//! let mut writer = PcapWriter::new(Vec::new(), WriterOptions::default())?;
//! for i in 0..16u8 {
//!     writer.write_record(&PacketRecord {
//!         ts_ns: 19_000 * DAY_NS + i64::from(i) * 1_000_000_000,
//!         src: Addr::V4([192, 0, 2, i % 2].into()),
//!         dst: Some(Addr::V4([198, 51, 100, i].into())),
//!         proto: proto::TCP,
//!         src_port: Some(40_000),
//!         dst_port: Some(23),
//!         tcp_flags: Some(0x02),
//!         tcp_seq: Some(1),
//!         len: 40,
//!         count: 1,
//!         mirai_label: None,
//!     })?;
//! }
//! let bytes = writer.finish()?;
//!
//! // Read it back into daily batches for the telescope 198.51.100.0/24.
//! // `feed_capture` decodes classic pcap straight into the batch (the
//! // fastest path); `push` and `feed` take records one by one.
//! let mut reader = CaptureReader::from_reader("day.pcap", std::io::Cursor::new(bytes))?;
//! let telescope: Prefix = "198.51.100.0/24".parse()?;
//! let mut batcher = Batcher::new(BatchParams::default().telescope(vec![telescope]))?;
//! batcher.feed_capture(&mut reader)?;
//! let batches = batcher.finish();
//! assert_eq!(batches[0].id().to_string(), "2022-01-08");
//! assert_eq!(batches[0].active_senders(5).count(), 2);
//!
//! let corpus = batches[0].corpus(&CorpusParams::default())?;
//! assert_eq!(corpus.sentences.len(), 1);
//! assert_eq!(corpus.sentences[0].service.to_string(), "23/tcp");
//! assert_eq!(corpus.sentences[0].senders.len(), 16); // they alternate
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Choices where the papers are silent
//!
//! Read from the papers and the authors' public code (SmartData-Polito
//! `darkvec`, branch `idarkvec`):
//!
//! * **Activity**: a sender is active with *more than* `min_packets` (5)
//!   packets in the batch, as the reference filter (`$1 > min_pkts`) does.
//! * **Top-N services** are ranked by the packets of active senders only
//!   (the reference filters first, then counts `dst_port/proto` pairs).
//!   Ties, which the reference leaves to pandas, go to the smaller
//!   (protocol, port). ICMP, GRE and other port-less protocols are one
//!   service each, like the reference's `-/1`.
//! * **Sentence order**: sentences are sorted by service (TCP ports, UDP
//!   ports, port-less protocols, classes, then `other`); the reference sorts
//!   by the service's string. Within a sentence, packets are in time order;
//!   equal timestamps keep arrival order (stable).
//! * **Repeats**: consecutive repeats of a sender are collapsed after the
//!   activity filter, as the reference does. Sentences of one word are kept.
//! * **Long sentences** are never cut. [`CorpusParams::max_sentence_len`]
//!   splits them into consecutive pieces only when asked (gensim, used by
//!   the reference, silently truncates at 10,000 words).
//! * **Domain-knowledge services**: DarkVec's service file is not public;
//!   [`ServiceClass`] is our documented map. DarkVec also cuts sentences per
//!   hour; we keep one sentence per service per batch, as i-DarkVec does.
//! * **Mirai-like**: a TCP packet with SYN set and ACK clear whose sequence
//!   number equals its IPv4 destination; a sender is labelled when it sent at
//!   least one. When the source labels packets itself
//!   ([`PacketRecord::mirai_label`], read from the `mirai` column of the
//!   i-DarkVec logs or from any column named in [`CsvLayout::mirai`]), that
//!   label is used instead, both ways: those logs pseudonymise
//!   destinations, so the test cannot run there. Their column holds `1`
//!   and `0` on TCP rows (every `1` a SYN) and `-` on UDP and ICMP rows,
//!   read as "no label", which the test then answers with "no".
//! * **Direction**: records whose destination is missing or pseudonymised
//!   cannot be checked against the telescope prefixes and are kept (and
//!   counted).
//! * **Duplicates** in logs are kept: rows with one-second resolution repeat
//!   legitimately.
//!
//! # Timestamp outliers
//!
//! One packet with a broken time (a 2030 or a 2000 date in a capture of
//! 2021) would otherwise open a batch of its own, or close the real one
//! early so that the rest of it arrives late and is dropped. Each reader
//! therefore checks times within its own file, in one pass with a bounded
//! look-ahead ([`CaptureReader::max_time_jump_ns`],
//! [`CsvReader::max_time_jump_ns`]; one hour by default, `None` turns it
//! off). Two times *agree* when they are at most that far apart.
//!
//! * A record that agrees with the last record let through passes at
//!   once: one comparison, the only cost for almost every record.
//! * Otherwise it is held, with at most two more that do not agree either.
//!   If a later record agrees with the last one let through, the held
//!   records (at most three in a row) were an excursion: they are skipped
//!   and counted. If a fourth record in a row does not agree, the capture
//!   really moved on (missing days, a gap): the first held record passes
//!   and the others are judged again from it.
//! * At the start of a file, up to three leading records are outliers when
//!   the two records after them agree with each other and not with them,
//!   or when the first record's time comes back after them.
//! * At the end of a file (and before a read error) the held records are
//!   outliers only if the last record let through agreed with the one
//!   before it and no two held records agree with each other; otherwise
//!   they pass.
//!
//! So a real gap passes unchanged once four records in a row are at the
//! new time, a file of sparse records (hours apart, none agreeing) passes
//! whole, and files are judged separately: several files per day, files
//! spanning midnight and files a few minutes out of order are untouched.
//! Held records wait in file order, so the batcher sees records exactly
//! as before, minus the outliers. [`Batcher::feed_capture`] runs the same
//! check on its fast path.
//!
//! # Memory
//!
//! Readers use constant memory. While a batch is open it keeps, per
//! sender, about 55 bytes (an IPv4 or opaque sender is interned to a dense
//! id in an open-addressing table of 8-byte slots kept at most half full,
//! plus 16 bytes of first and last seen, plus its address), and three
//! logs: the packet log, which the corpus needs to order senders by packet
//! time (8 bytes per packet at most: packets of one sender to one service
//! share an entry while no other sender interleaves), a destination log for
//! exact distinct counts (8 bytes per packet, except repeats of the
//! previous packet's sender and destination), and 8 bytes per Mirai-like
//! record. So a batch is bounded by senders plus up to 16 bytes per packet
//! (24 for Mirai-like ones): about 160 MB for a day of 10 million packets.
//! This is a deliberate trade of memory for speed: the per-packet work is
//! one lookup in a small table (4 MiB for 200,000 IPv4 senders), one update
//! of a dense 8-byte last-seen entry and sequential appends, instead of a
//! random update of a large per-sender record with exact sets. Packet and
//! protocol counts, distinct services and destinations, Mirai-like counts
//! and top ports are computed when the batch finishes, by radix-sorting the
//! logs by sender; a [`Batcher`] keeps the sort buffers of a finished batch
//! for the next one. The reordering buffer holds 24 bytes per record of the
//! last [`BatchParams::max_disorder_ns`] (one hour by default).
//!
//! # Limitations
//!
//! * IPv6 destinations are told apart by a 32-bit hash in the distinct
//!   count (all other counts are exact).
//! * Memory grows with packets per batch (see above), not only with
//!   senders: the issue asks for memory bounded by senders; this crate
//!   trades that for speed and exact statistics.
//! * Speed: [`Batcher::feed_capture`] is the fast path for captures (it
//!   decodes classic pcap Ethernet/IPv4 frames straight into the batch and
//!   gives exactly the result of [`Batcher::push`] for every record of
//!   [`CaptureReader::next_record`]); [`Batcher::feed`] is the fast path
//!   for any record iterator. Both push each record 32 records after
//!   reading it and prefetch its sender meanwhile (the one `unsafe` call of
//!   the crate, a prefetch hint). A loop of [`Batcher::push`] gets none of
//!   this. Daily statistics with 200,000 senders run above 5 million
//!   packets per CPU-second but well below a quarter of raw read speed (see
//!   `docs/benchmarks/trace.md`).
//! * Byte offsets in errors refer to the decompressed stream of `.gz` input.
//! * Simple packet blocks have no timestamp and take the previous packet's.
//! * CSV date-time text is taken as UTC; time zones are not interpreted
//!   beyond a `Z` or `+00:00` suffix.
//! * Records too late for the disorder tolerance are kept out of time order
//!   while their batch is open and dropped after (both counted in the
//!   [`BatchReport`]).
//! * The timestamp check cannot tell a lone record at the very end of a
//!   sparse file (hours from the record before, which is hours from its
//!   own predecessor) from a real gap: it is kept.
//!
//! # References
//!
//! * L. Gioacchini, L. Vassio, M. Mellia, I. Drago, Z. B. Houidi, D. Rossi,
//!   *DarkVec: automatic analysis of darknet traffic with word embeddings*,
//!   CoNEXT 2021.
//! * L. Gioacchini et al., *i-DarkVec: Incremental embeddings for darknet
//!   traffic analysis*, ACM TOIT 2023.

mod batch;
mod capture;
mod corpus;
mod csv_log;
mod decode;
mod error;
mod link;
mod outlier;
mod prefix;
mod record;
mod service;
mod stats;
mod time;
mod writer;

pub use batch::{
    Batch, BatchId, BatchParams, BatchReport, Batcher, DAY_NS, ProtocolCounts, SenderStats,
};
pub use capture::{CaptureReader, ReadReport};
pub use corpus::{Corpus, CorpusParams, Sentence, Vocabulary};
pub use csv_log::{AddrFormat, Column, CsvLayout, CsvReader, TimeFormat};
pub use decode::Malformed;
pub use error::{Error, Result};
pub use link::LinkType;
pub use prefix::Prefix;
pub use record::{Addr, PacketRecord, proto, tcp_flags};
pub use service::{Service, ServiceClass};
pub use writer::{PcapWriter, TsResolution, WriterOptions};

/// Names of opaque sender or destination identifiers, indexed by
/// [`Addr::Opaque`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpaqueNames {
    names: Vec<String>,
}

impl OpaqueNames {
    /// Appends a name and returns its id (no de-duplication: readers keep
    /// their own index).
    ///
    /// # Panics
    ///
    /// If more than `u32::MAX` names are pushed.
    pub fn push(&mut self, name: String) -> u32 {
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 pseudonyms");
        self.names.push(name);
        id
    }

    /// The name of an id.
    #[must_use]
    pub fn get(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// Number of names.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names in id order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.names.iter().map(String::as_str)
    }
}
