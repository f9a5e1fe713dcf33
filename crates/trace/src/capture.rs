//! Streaming pcap and pcapng readers.
//!
//! A [`CaptureReader`] owns one large buffer. Packet headers and frames are
//! decoded in place (no copy, no allocation per packet), and the buffer is
//! refilled by one `read` call per megabyte, so memory stays constant
//! whatever the capture size. Gzip-compressed input is recognised by its
//! magic bytes, not by the file name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::decode::{Malformed, Skip, decode};
use crate::error::{Error, Result};
use crate::link::LinkType;
use crate::outlier::{GuardedReader, RecordGuard};
use crate::record::PacketRecord;

/// Size of the read buffer.
const BUF_SIZE: usize = 1 << 20;
/// Largest pcap record or pcapng block accepted (a corrupt length above this
/// is reported instead of allocating for it).
const MAX_BLOCK: usize = 64 << 20;
/// Largest captured frame accepted in classic pcap when the file's snaplen
/// is smaller (tcpdump's default snaplen).
const MAX_FRAME: u32 = 262_144;

/// What a reader saw, besides the records it produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// Frames (or CSV rows) read from the input.
    pub n_frames: u64,
    /// Records produced.
    pub n_records: u64,
    /// Well-formed frames that carry no IP packet (ARP, LLDP, ...).
    pub n_non_ip: u64,
    /// Frames left out because they are broken, per reason (indexed like
    /// [`Malformed::ALL`]).
    malformed: [u64; Malformed::ALL.len()],
}

impl ReadReport {
    /// Frames left out for `reason`.
    #[must_use]
    pub fn malformed(&self, reason: Malformed) -> u64 {
        self.malformed[reason as usize]
    }

    /// Frames left out as broken, all reasons together.
    #[must_use]
    pub fn n_malformed(&self) -> u64 {
        self.malformed.iter().sum()
    }

    /// `(reason, count)` for every reason with a non-zero count.
    pub fn malformed_counts(&self) -> impl Iterator<Item = (Malformed, u64)> + '_ {
        Malformed::ALL.iter().map(|&m| (m, self.malformed[m as usize])).filter(|&(_, n)| n > 0)
    }

    /// Adds another report's counts to this one (for many files per day).
    pub fn merge(&mut self, other: &ReadReport) {
        self.n_frames += other.n_frames;
        self.n_records += other.n_records;
        self.n_non_ip += other.n_non_ip;
        for (a, b) in self.malformed.iter_mut().zip(other.malformed) {
            *a += b;
        }
    }

    /// Counts one frame and what decoding it gave.
    #[inline]
    pub(crate) fn count_outcome(&mut self, outcome: std::result::Result<(), Skip>) {
        self.n_frames += 1;
        match outcome {
            Ok(()) => self.n_records += 1,
            Err(Skip::NonIp) => self.n_non_ip += 1,
            Err(Skip::Malformed(m)) => self.count_malformed(m),
        }
    }

    pub(crate) fn count_malformed(&mut self, reason: Malformed) {
        self.malformed[reason as usize] += 1;
    }

    /// Moves `n` records, produced and counted already, to the timestamp
    /// outliers.
    #[inline]
    pub(crate) fn count_outliers(&mut self, n: u64) {
        if n > 0 {
            self.n_records = self.n_records.saturating_sub(n);
            self.malformed[Malformed::TimestampOutlier as usize] += n;
        }
    }
}

/// Wraps `r` in a gzip decoder if it starts with the gzip magic bytes
/// (several concatenated gzip members are read as one stream).
pub(crate) fn maybe_gunzip<R: Read + Send + 'static>(r: R) -> io::Result<Box<dyn Read + Send>> {
    let mut br = BufReader::with_capacity(64 << 10, r);
    let head = loop {
        match br.fill_buf() {
            Ok(h) => break h,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(MultiGzDecoder::new(br))
    } else {
        Box::new(br)
    })
}

/// A refillable window over a byte stream, tracking the stream offset.
pub(crate) struct Input {
    src: Box<dyn Read + Send>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[pos]`.
    offset: u64,
    eof: bool,
}

impl Input {
    /// Wraps `r`, decompressing it if it starts with the gzip magic.
    pub(crate) fn new<R: Read + Send + 'static>(r: R) -> io::Result<Self> {
        let src = maybe_gunzip(r)?;
        Ok(Self { src, buf: vec![0; BUF_SIZE], pos: 0, end: 0, offset: 0, eof: false })
    }

    /// Makes at least `n` bytes available if the stream has them; returns
    /// how many are available (less than `n` only at end of stream).
    pub(crate) fn fill(&mut self, n: usize) -> io::Result<usize> {
        if self.end - self.pos >= n {
            return Ok(n);
        }
        if self.pos + n > self.buf.len() {
            // Move the unread tail to the front, growing for a large block.
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            if n > self.buf.len() {
                self.buf.resize(n.next_power_of_two(), 0);
            }
        }
        while self.end - self.pos < n && !self.eof {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((self.end - self.pos).min(n))
    }

    /// The next `n` available bytes (callers checked `fill`).
    pub(crate) fn peek(&self, n: usize) -> &[u8] {
        &self.buf[self.pos..self.pos + n]
    }

    pub(crate) fn consume(&mut self, n: usize) {
        self.pos += n;
        self.offset += n as u64;
    }

    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }
}

/// Byte order of a capture's headers.
#[derive(Debug, Clone, Copy)]
struct Endian {
    big: bool,
}

impl Endian {
    fn u16(self, b: &[u8], at: usize) -> u16 {
        let a = [b[at], b[at + 1]];
        if self.big { u16::from_be_bytes(a) } else { u16::from_le_bytes(a) }
    }

    fn u32(self, b: &[u8], at: usize) -> u32 {
        let a = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if self.big { u32::from_be_bytes(a) } else { u32::from_le_bytes(a) }
    }
}

/// Timestamp resolution of one pcapng interface.
#[derive(Debug, Clone, Copy)]
enum Resol {
    /// 10^-n seconds.
    Dec(u32),
    /// 2^-n seconds.
    Bin(u32),
}

impl Resol {
    fn to_ns(self, units: u64) -> i64 {
        let ns: u128 = match self {
            Resol::Dec(n) if n <= 9 => u128::from(units) * 10u128.pow(9 - n),
            Resol::Dec(n) => u128::from(units) / 10u128.pow((n - 9).min(38)),
            Resol::Bin(n) => (u128::from(units) * 1_000_000_000) >> n.min(127),
        };
        i64::try_from(ns).unwrap_or(i64::MAX)
    }
}

/// One pcapng interface description.
#[derive(Debug, Clone, Copy)]
struct Iface {
    /// The link type, or its unsupported code.
    link: std::result::Result<LinkType, u32>,
    idb_offset: u64,
    snaplen: u32,
    resol: Resol,
    offset_ns: i64,
}

#[derive(Debug)]
enum Format {
    Pcap { endian: Endian, nanos: bool, snaplen: u32, link: LinkType },
    Pcapng { endian: Endian, ifaces: Vec<Iface>, last_ts: i64 },
}

/// A frame located in the input buffer.
struct Frame {
    link: LinkType,
    ts_ns: i64,
    orig_len: u32,
    /// Start of the frame relative to the buffer position.
    start: usize,
    len: usize,
    /// Bytes to consume after decoding.
    advance: usize,
}

/// A streaming reader of one pcap or pcapng capture, plain or gzip.
///
/// It yields one [`PacketRecord`] per IP packet. Frames that are not IP are
/// counted in [`ReadReport::n_non_ip`], broken frames per reason; neither
/// stops the reader. A structural problem (truncated record, corrupt length,
/// unsupported link type) ends the stream with an [`Error`] naming the file
/// and byte offset, after the records before it were returned.
///
/// Byte offsets refer to the decompressed stream for gzip input.
///
/// # Examples
///
/// ```
/// use darkdca_trace::{CaptureReader, PcapWriter, WriterOptions, PacketRecord, Addr, proto};
///
/// let mut w = PcapWriter::new(Vec::new(), WriterOptions::default())?;
/// let rec = PacketRecord {
///     ts_ns: 1_000_000_000,
///     src: Addr::V4("192.0.2.1".parse()?),
///     dst: Some(Addr::V4("198.51.100.7".parse()?)),
///     proto: proto::UDP,
///     src_port: Some(5353),
///     dst_port: Some(123),
///     tcp_flags: None,
///     tcp_seq: None,
///     len: 28,
///     count: 1,
///     mirai_label: None,
/// };
/// w.write_record(&rec)?;
/// let bytes = w.finish()?;
/// let mut reader = CaptureReader::from_reader("memory.pcap", std::io::Cursor::new(bytes))?;
/// assert_eq!(reader.next_record()?, Some(rec));
/// assert_eq!(reader.next_record()?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CaptureReader {
    path: PathBuf,
    input: Input,
    format: Format,
    report: ReadReport,
    done: bool,
    guard: RecordGuard,
}

impl std::fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("path", &self.path)
            .field("offset", &self.input.offset())
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl CaptureReader {
    /// Opens a capture file (pcap or pcapng, optionally gzip-compressed).
    ///
    /// # Errors
    ///
    /// [`Error::Open`] if the file cannot be opened, and the errors of
    /// [`CaptureReader::from_reader`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| Error::Open { path: path.into(), source })?;
        Self::from_reader(path, file)
    }

    /// Reads a capture from any byte stream; `name` is used in errors.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownFormat`] if the stream is not pcap or pcapng,
    /// [`Error::Truncated`] or [`Error::BadHeader`] for a broken file header,
    /// [`Error::UnknownLinkType`] for an unsupported pcap link type,
    /// [`Error::Read`] on I/O failure.
    pub fn from_reader<R: Read + Send + 'static>(name: impl Into<PathBuf>, r: R) -> Result<Self> {
        let path = name.into();
        let input = Input::new(r).map_err(|source| Error::Read {
            path: path.clone(),
            offset: 0,
            source,
        })?;
        let mut reader = Self {
            path,
            input,
            format: Format::Pcap {
                endian: Endian { big: false },
                nanos: false,
                snaplen: 0,
                link: LinkType::Ethernet,
            },
            report: ReadReport::default(),
            done: false,
            guard: RecordGuard::default(),
        };
        reader.format = reader.read_file_header()?;
        Ok(reader)
    }

    /// The file name given at opening.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Counts so far.
    #[must_use]
    pub fn report(&self) -> &ReadReport {
        &self.report
    }

    /// The next record, `None` at the end of the capture.
    ///
    /// After an error the reader is finished and returns `None`.
    ///
    /// # Errors
    ///
    /// [`Error::Truncated`] if the capture ends inside a record or block,
    /// [`Error::BadLength`] for an impossible length field,
    /// [`Error::BadHeader`] for an impossible header field,
    /// [`Error::UnknownLinkType`] / [`Error::UnknownInterface`] for pcapng
    /// packets on an unusable interface, [`Error::Read`] on I/O failure.
    pub fn next_record(&mut self) -> Result<Option<PacketRecord>> {
        self.next_guarded()
    }

    /// Sets the largest jump in time, in nanoseconds, between a record and
    /// the records around it in this file (default one hour, the
    /// batcher's default disorder); `None` turns the check off. A record
    /// (or a run of at most three) whose time jumps further away while the
    /// records before and after it agree with each other is skipped and
    /// counted as [`Malformed::TimestampOutlier`]; a real gap, after which
    /// the records go on at the new time, is kept. The crate documentation
    /// gives the rule. Set it before reading.
    #[must_use]
    pub fn max_time_jump_ns(mut self, ns: Option<i64>) -> Self {
        self.guard = RecordGuard::new(ns);
        self
    }

    /// The largest jump in time allowed (see
    /// [`CaptureReader::max_time_jump_ns`]), `None` when unchecked.
    #[must_use]
    pub fn time_jump_ns(&self) -> Option<i64> {
        self.guard.max_jump_ns()
    }

    /// Whether no record has been read yet through `next_record`.
    pub(crate) fn untouched(&self) -> bool {
        self.guard.untouched()
    }

    /// Counts records found to be timestamp outliers after they were
    /// counted as records.
    pub(crate) fn count_outliers(&mut self, n: u64) {
        self.report.count_outliers(n);
    }

    /// The next decoded record, before the timestamp check.
    fn next_frame_record(&mut self) -> Result<Option<PacketRecord>> {
        while !self.done {
            let frame = match self.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => {
                    self.done = true;
                    return Ok(None);
                }
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            };
            let bytes = &self.input.peek(frame.start + frame.len)[frame.start..];
            let decoded = decode(frame.link, bytes, frame.orig_len, frame.ts_ns);
            self.input.consume(frame.advance);
            self.report.n_frames += 1;
            match decoded {
                Ok(rec) => {
                    self.report.n_records += 1;
                    return Ok(Some(rec));
                }
                Err(Skip::NonIp) => self.report.n_non_ip += 1,
                Err(Skip::Malformed(m)) => self.report.count_malformed(m),
            }
        }
        Ok(None)
    }

    /// Hands every remaining frame of a classic pcap capture to `sink`, in
    /// file order, and counts the outcome the sink returns exactly as
    /// [`CaptureReader::next_record`] counts its own decoding. Whole records
    /// already in the buffer are walked without a per-record refill check.
    ///
    /// Returns `Ok(false)` without reading anything if the capture is not
    /// classic pcap (the caller then uses `next_record`), `Ok(true)` at the
    /// end of the capture, or the error `next_record` would have returned
    /// at the same record (the reader is then finished).
    pub(crate) fn drain_pcap<F>(&mut self, mut sink: F) -> Result<bool>
    where
        F: FnMut(LinkType, &[u8], u32, i64) -> std::result::Result<(), Skip>,
    {
        let Format::Pcap { endian, nanos, snaplen, link } = self.format else {
            return Ok(false);
        };
        let max_incl = snaplen.max(MAX_FRAME);
        let (frac_limit, frac_unit) = if nanos { (1_000_000_000, 1) } else { (1_000_000, 1000) };
        while !self.done {
            // Every whole record in the buffer, with the checks of
            // `next_pcap`; anything unusual (a length or fraction it would
            // reject, a record cut by the buffer end) is left to it.
            let buf = &self.input.buf[self.input.pos..self.input.end];
            let mut at = 0;
            while let Some(h) = buf.get(at..at + 16) {
                let incl = endian.u32(h, 8);
                let frac = i64::from(endian.u32(h, 4));
                if incl > max_incl || incl as usize > MAX_BLOCK || frac >= frac_limit {
                    break;
                }
                let len = incl as usize;
                let Some(bytes) = buf.get(at + 16..at + 16 + len) else { break };
                let secs = i64::from(endian.u32(h, 0));
                let orig = endian.u32(h, 12).max(incl);
                let ts_ns = secs * 1_000_000_000 + frac * frac_unit;
                let outcome = sink(link, bytes, orig, ts_ns);
                self.report.count_outcome(outcome);
                at += 16 + len;
            }
            self.input.consume(at);
            // One record through the general path: refills the buffer, or
            // ends the capture, or reports the error at the right offset.
            match self.next_frame() {
                Ok(Some(frame)) => {
                    let bytes = &self.input.peek(frame.start + frame.len)[frame.start..];
                    let outcome = sink(frame.link, bytes, frame.orig_len, frame.ts_ns);
                    self.input.consume(frame.advance);
                    self.report.count_outcome(outcome);
                }
                Ok(None) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            }
        }
        Ok(true)
    }

    fn read_err(&self, source: io::Error) -> Error {
        Error::Read { path: self.path.clone(), offset: self.input.offset(), source }
    }

    fn truncated(&self, what: &'static str, needed: usize, available: usize) -> Error {
        Error::Truncated {
            path: self.path.clone(),
            offset: self.input.offset(),
            what,
            needed: needed as u64,
            available: available as u64,
        }
    }

    fn bad_length(&self, what: &'static str, length: u64) -> Error {
        Error::BadLength { path: self.path.clone(), offset: self.input.offset(), what, length }
    }

    /// Fills `n` bytes or fails with a truncation error naming `what`.
    fn need(&mut self, n: usize, what: &'static str) -> Result<()> {
        let got = self.input.fill(n).map_err(|e| self.read_err(e))?;
        if got < n { Err(self.truncated(what, n, got)) } else { Ok(()) }
    }

    fn read_file_header(&mut self) -> Result<Format> {
        let got = self.input.fill(4).map_err(|e| self.read_err(e))?;
        if got < 4 {
            return Err(self.truncated("file header", 4, got));
        }
        let magic = u32::from_be_bytes(self.input.peek(4).try_into().unwrap_or([0; 4]));
        let (big, nanos) = match magic {
            0xa1b2_c3d4 => (true, false),
            0xd4c3_b2a1 => (false, false),
            0xa1b2_3c4d => (true, true),
            0x4d3c_b2a1 => (false, true),
            0x0a0d_0d0a => {
                return Ok(Format::Pcapng {
                    endian: Endian { big: false },
                    ifaces: Vec::new(),
                    last_ts: 0,
                });
            }
            _ => return Err(Error::UnknownFormat { path: self.path.clone(), magic }),
        };
        self.need(24, "pcap file header")?;
        let endian = Endian { big };
        let h = self.input.peek(24);
        let snaplen = endian.u32(h, 16);
        // The upper 16 bits of the link-type field carry FCS information.
        let code = endian.u32(h, 20) & 0x0fff_ffff;
        let Some(link) = LinkType::from_code(code) else {
            return Err(Error::UnknownLinkType {
                path: self.path.clone(),
                offset: 20,
                link_type: code,
            });
        };
        self.input.consume(24);
        Ok(Format::Pcap { endian, nanos, snaplen, link })
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        match self.format {
            Format::Pcap { endian, nanos, snaplen, link } => {
                self.next_pcap(endian, nanos, snaplen, link)
            }
            Format::Pcapng { .. } => self.next_pcapng(),
        }
    }

    fn next_pcap(
        &mut self,
        endian: Endian,
        nanos: bool,
        snaplen: u32,
        link: LinkType,
    ) -> Result<Option<Frame>> {
        let got = self.input.fill(16).map_err(|e| self.read_err(e))?;
        if got == 0 {
            return Ok(None);
        }
        if got < 16 {
            return Err(self.truncated("pcap record header", 16, got));
        }
        let h = self.input.peek(16);
        let secs = i64::from(endian.u32(h, 0));
        let frac = i64::from(endian.u32(h, 4));
        let incl = endian.u32(h, 8);
        let orig = endian.u32(h, 12);
        if incl > snaplen.max(MAX_FRAME) || incl as usize > MAX_BLOCK {
            return Err(self.bad_length("pcap record", u64::from(incl)));
        }
        if frac >= if nanos { 1_000_000_000 } else { 1_000_000 } {
            return Err(Error::BadHeader {
                path: self.path.clone(),
                offset: self.input.offset() + 4,
                what: "pcap timestamp fraction",
                value: frac as u64,
            });
        }
        let len = incl as usize;
        self.need(16 + len, "pcap packet data")?;
        let ts_ns = secs * 1_000_000_000 + if nanos { frac } else { frac * 1000 };
        Ok(Some(Frame { link, ts_ns, orig_len: orig.max(incl), start: 16, len, advance: 16 + len }))
    }

    fn next_pcapng(&mut self) -> Result<Option<Frame>> {
        loop {
            let got = self.input.fill(12).map_err(|e| self.read_err(e))?;
            if got == 0 {
                return Ok(None);
            }
            if got < 12 {
                return Err(self.truncated("pcapng block header", 12, got));
            }
            let head = self.input.peek(12);
            if head[0..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
                let big = match head[8..12] {
                    [0x1a, 0x2b, 0x3c, 0x4d] => true,
                    [0x4d, 0x3c, 0x2b, 0x1a] => false,
                    _ => {
                        return Err(Error::BadHeader {
                            path: self.path.clone(),
                            offset: self.input.offset() + 8,
                            what: "pcapng byte-order magic",
                            value: u64::from(u32::from_be_bytes([
                                head[8], head[9], head[10], head[11],
                            ])),
                        });
                    }
                };
                if let Format::Pcapng { endian, ifaces, .. } = &mut self.format {
                    *endian = Endian { big };
                    ifaces.clear();
                }
            }
            let Format::Pcapng { endian, .. } = self.format else { return Ok(None) };
            let btype = endian.u32(head, 0);
            let blen = endian.u32(head, 4) as usize;
            if blen < 12 || !blen.is_multiple_of(4) || blen > MAX_BLOCK {
                return Err(self.bad_length("pcapng block", blen as u64));
            }
            self.need(blen, "pcapng block")?;
            let block = self.input.peek(blen);
            if endian.u32(block, blen - 4) as usize != blen {
                return Err(
                    self.bad_length("pcapng block trailer", u64::from(endian.u32(block, blen - 4)))
                );
            }
            if let Some(frame) = self.pcapng_block(endian, btype, blen)? {
                return Ok(Some(frame));
            }
            self.input.consume(blen);
        }
    }

    /// Interprets one complete block (already in the buffer); returns a
    /// frame for packet blocks, `None` for blocks to skip.
    fn pcapng_block(&mut self, endian: Endian, btype: u32, blen: usize) -> Result<Option<Frame>> {
        let offset = self.input.offset();
        let block = self.input.peek(blen);
        match btype {
            0x0a0d_0d0a => {
                if blen < 28 {
                    return Err(self.bad_length("pcapng section header", blen as u64));
                }
                let major = endian.u16(block, 12);
                if major != 1 {
                    return Err(Error::BadHeader {
                        path: self.path.clone(),
                        offset: offset + 12,
                        what: "pcapng major version",
                        value: u64::from(major),
                    });
                }
                Ok(None)
            }
            1 => {
                if blen < 20 {
                    return Err(self.bad_length("pcapng interface description", blen as u64));
                }
                let code = u32::from(endian.u16(block, 8));
                let snaplen = endian.u32(block, 12);
                let (resol, offset_ns) = idb_options(endian, &block[16..blen - 4]);
                let iface = Iface {
                    link: LinkType::from_code(code).ok_or(code),
                    idb_offset: offset,
                    snaplen,
                    resol,
                    offset_ns,
                };
                if let Format::Pcapng { ifaces, .. } = &mut self.format {
                    ifaces.push(iface);
                }
                Ok(None)
            }
            // Enhanced packet block and the obsolete packet block share the
            // layout of the fields read here (the latter's interface id is
            // 16 bits, followed by a 16-bit drop count).
            6 | 2 => {
                if blen < 32 {
                    return Err(self.bad_length("pcapng packet block", blen as u64));
                }
                let if_id =
                    if btype == 6 { endian.u32(block, 8) } else { u32::from(endian.u16(block, 8)) };
                let ts =
                    (u64::from(endian.u32(block, 12)) << 32) | u64::from(endian.u32(block, 16));
                let cap = endian.u32(block, 20) as usize;
                let orig = endian.u32(block, 24);
                if cap > blen - 32 {
                    return Err(self.bad_length("pcapng captured", cap as u64));
                }
                let iface = self.iface(if_id, offset)?;
                let ts_ns = iface.resol.to_ns(ts).saturating_add(iface.offset_ns);
                if let Format::Pcapng { last_ts, .. } = &mut self.format {
                    *last_ts = ts_ns;
                }
                let link = self.iface_link(iface)?;
                Ok(Some(Frame {
                    link,
                    ts_ns,
                    orig_len: orig.max(cap as u32),
                    start: 28,
                    len: cap,
                    advance: blen,
                }))
            }
            3 => {
                if blen < 16 {
                    return Err(self.bad_length("pcapng simple packet block", blen as u64));
                }
                let orig = endian.u32(block, 8);
                let iface = self.iface(0, offset)?;
                let mut cap = (orig as usize).min(blen - 16);
                if iface.snaplen > 0 {
                    cap = cap.min(iface.snaplen as usize);
                }
                // A simple packet block has no timestamp: it inherits the
                // previous packet's time in this section.
                let ts_ns = match self.format {
                    Format::Pcapng { last_ts, .. } => last_ts,
                    Format::Pcap { .. } => 0,
                };
                let link = self.iface_link(iface)?;
                Ok(Some(Frame { link, ts_ns, orig_len: orig, start: 12, len: cap, advance: blen }))
            }
            _ => Ok(None),
        }
    }

    fn iface(&self, if_id: u32, offset: u64) -> Result<Iface> {
        let found = match &self.format {
            Format::Pcapng { ifaces, .. } => ifaces.get(if_id as usize).copied(),
            Format::Pcap { .. } => None,
        };
        found.ok_or(Error::UnknownInterface { path: self.path.clone(), offset, interface: if_id })
    }

    fn iface_link(&self, iface: Iface) -> Result<LinkType> {
        iface.link.map_err(|code| Error::UnknownLinkType {
            path: self.path.clone(),
            offset: iface.idb_offset,
            link_type: code,
        })
    }
}

/// Reads `if_tsresol` (code 9) and `if_tsoffset` (code 14) from IDB options.
fn idb_options(endian: Endian, mut opts: &[u8]) -> (Resol, i64) {
    let mut resol = Resol::Dec(6);
    let mut offset_ns = 0i64;
    while opts.len() >= 4 {
        let code = endian.u16(opts, 0);
        let len = usize::from(endian.u16(opts, 2));
        let padded = (len + 3) & !3;
        if code == 0 || opts.len() < 4 + padded {
            break;
        }
        let value = &opts[4..4 + len];
        match (code, len) {
            (9, 1) => {
                let r = value[0];
                resol = if r & 0x80 == 0 {
                    Resol::Dec(u32::from(r))
                } else {
                    Resol::Bin(u32::from(r & 0x7f))
                };
            }
            (14, 8) => {
                let hi = u64::from(endian.u32(value, 0));
                let lo = u64::from(endian.u32(value, 4));
                let secs = if endian.big { (hi << 32) | lo } else { (lo << 32) | hi };
                offset_ns = (secs as i64).saturating_mul(1_000_000_000);
            }
            _ => {}
        }
        opts = &opts[4 + padded..];
    }
    (resol, offset_ns)
}

impl GuardedReader for CaptureReader {
    fn read_unchecked(&mut self) -> Result<Option<PacketRecord>> {
        self.next_frame_record()
    }

    fn guard_and_report(&mut self) -> (&mut RecordGuard, &mut ReadReport) {
        (&mut self.guard, &mut self.report)
    }
}

impl Iterator for CaptureReader {
    type Item = Result<PacketRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}
