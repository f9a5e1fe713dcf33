//! Per-packet (or per-flow) CSV logs through a column mapping.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use crate::OpaqueNames;
use crate::capture::{ReadReport, maybe_gunzip};
use crate::decode::Malformed;
use crate::error::{Error, Result};
use crate::outlier::{GuardedReader, RecordGuard};
use crate::record::{Addr, PacketRecord, proto, tcp_flags};
use crate::time::{parse_epoch_secs, parse_utc};

/// A CSV column, by header name or by zero-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The column whose header cell equals this name (surrounding spaces
    /// ignored).
    Name(String),
    /// The column at this zero-based position.
    Index(usize),
}

impl From<&str> for Column {
    fn from(s: &str) -> Self {
        Column::Name(s.to_owned())
    }
}

impl From<usize> for Column {
    fn from(i: usize) -> Self {
        Column::Index(i)
    }
}

/// How the timestamp column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// Seconds since the epoch, integer or decimal (`1619827200.160742`),
    /// parsed exactly to nanoseconds.
    EpochSeconds,
    /// `YYYY-MM-DD HH:MM:SS[.fraction]` (or with `T`, optional `Z`), taken as
    /// UTC.
    DateTime,
}

/// How an address column (sender or destination) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddrFormat {
    /// Dotted IPv4, IPv6 text or an unsigned 32-bit integer (IPv4); any
    /// other text is a pseudonym, kept as [`Addr::Opaque`].
    #[default]
    Auto,
    /// Dotted IPv4, IPv6 text or an unsigned 32-bit integer (IPv4) only:
    /// any other text makes the row malformed.
    Ip,
    /// Opaque ids: every value is a pseudonym, even one that reads as an
    /// address.
    Opaque,
}

/// A column mapping for a CSV log.
///
/// Required: timestamp and sender. Every other field is optional; a cell
/// holding one of the "not applicable" markers (by default `-` and the
/// empty string) gives an absent value. Addresses are read as
/// [`CsvLayout::src_format`] and [`CsvLayout::dst_format`] say; by
/// default as dotted IPv4, IPv6 text, or an unsigned 32-bit integer (IPv4),
/// any other text being a pseudonym kept as [`Addr::Opaque`] and named in
/// the reader's [`OpaqueNames`]. Senders and destinations share one
/// pseudonym table, numbered in order of first appearance. Protocols are numbers or names (`tcp`, `UDP`, `icmp`,
/// ...); TCP flags are decimal, `0x` hexadecimal, or letters (`S`, `SA`,
/// `FSRPAUEC`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvLayout {
    /// Whether the first line is a header (required for [`Column::Name`]).
    pub has_header: bool,
    /// Field delimiter.
    pub delimiter: u8,
    /// Timestamp column.
    pub ts: Column,
    /// Timestamp format.
    pub ts_format: TimeFormat,
    /// Sender column.
    pub src: Column,
    /// How the sender column writes addresses.
    pub src_format: AddrFormat,
    /// Destination column.
    pub dst: Option<Column>,
    /// How the destination column writes addresses.
    pub dst_format: AddrFormat,
    /// Protocol column (absent: every row is TCP).
    pub proto: Option<Column>,
    /// Source port column.
    pub src_port: Option<Column>,
    /// Destination port column.
    pub dst_port: Option<Column>,
    /// TCP flags column.
    pub tcp_flags: Option<Column>,
    /// TCP sequence number column.
    pub tcp_seq: Option<Column>,
    /// Length column (IP length in bytes).
    pub len: Option<Column>,
    /// Packet-count column, for flow logs (absent: one packet per row).
    pub count: Option<Column>,
    /// A column holding the source's own Mirai label
    /// ([`PacketRecord::mirai_label`]): `1`, `true`, `yes` (any case) for
    /// Mirai, `0`, `false`, `no` for not; a "not applicable" cell leaves
    /// the label absent, any other value makes the row malformed. Absent
    /// column: the label is computed from the sequence number.
    pub mirai: Option<Column>,
    /// Cell values meaning "not applicable".
    pub na: Vec<String>,
}

impl CsvLayout {
    /// A layout with the two required columns and nothing else.
    #[must_use]
    pub fn new(ts: impl Into<Column>, ts_format: TimeFormat, src: impl Into<Column>) -> Self {
        Self {
            has_header: true,
            delimiter: b',',
            ts: ts.into(),
            ts_format,
            src: src.into(),
            src_format: AddrFormat::Auto,
            dst: None,
            dst_format: AddrFormat::Auto,
            proto: None,
            src_port: None,
            dst_port: None,
            tcp_flags: None,
            tcp_seq: None,
            len: None,
            count: None,
            mirai: None,
            na: vec!["-".into(), String::new()],
        }
    }

    /// The 17-column i-DarkVec layout (`0,ts,ethtype,src_ip,src_port,dst_ip,
    /// dst_port,proto,pck_len,tcp_flags,mirai,tcp_seq,ttl,...`), with epoch
    /// seconds in `ts` and pseudonymised addresses.
    ///
    /// With pseudonymised destinations the Mirai-like test (sequence number
    /// equal to the destination address) cannot run, so the authors' own
    /// `mirai` column is read into [`PacketRecord::mirai_label`]. In the
    /// published files it holds `1` or `0` on TCP rows and `-` on UDP and
    /// ICMP rows (every `1` is a TCP SYN); `-` leaves the label absent,
    /// which for a non-TCP row gives "not Mirai-like" as the test would.
    #[must_use]
    pub fn darkvec() -> Self {
        Self {
            dst: Some("dst_ip".into()),
            proto: Some("proto".into()),
            src_port: Some("src_port".into()),
            dst_port: Some("dst_port".into()),
            tcp_flags: Some("tcp_flags".into()),
            tcp_seq: Some("tcp_seq".into()),
            len: Some("pck_len".into()),
            mirai: Some("mirai".into()),
            ..Self::new("ts", TimeFormat::EpochSeconds, "src_ip")
        }
    }

    /// The AWS honeypot "marx" log (`datetime,host,src,proto,type,spt,dpt`):
    /// date-time text (taken as UTC), the sender as an unsigned integer, the
    /// protocol by name, empty ports for ICMP. There is no destination
    /// address; the honeypot name in `host` is used as an opaque
    /// destination, so per-sender distinct destinations count honeypots.
    /// A `src` that is not an address (text, a negative number, a number
    /// beyond 32 bits) makes the row malformed.
    #[must_use]
    pub fn marx() -> Self {
        Self {
            src_format: AddrFormat::Ip,
            dst: Some("host".into()),
            dst_format: AddrFormat::Opaque,
            proto: Some("proto".into()),
            src_port: Some("spt".into()),
            dst_port: Some("dpt".into()),
            ..Self::new("datetime", TimeFormat::DateTime, "src")
        }
    }
}

/// Resolved column positions.
#[derive(Debug, Clone, Copy)]
struct Cols {
    ts: usize,
    src: usize,
    dst: Option<usize>,
    proto: Option<usize>,
    src_port: Option<usize>,
    dst_port: Option<usize>,
    tcp_flags: Option<usize>,
    tcp_seq: Option<usize>,
    len: Option<usize>,
    count: Option<usize>,
    mirai: Option<usize>,
}

/// A streaming reader of a CSV log (plain or gzip), one record per row.
///
/// Rows whose cells cannot be parsed are skipped and counted as
/// [`Malformed::CsvField`] in the [`ReadReport`]; a missing column or an
/// unreadable file is an error. Exact duplicate rows are kept: logs with
/// one-second resolution legitimately repeat rows.
///
/// # Examples
///
/// ```
/// use darkdca_trace::{Addr, CsvLayout, CsvReader};
///
/// let log = "datetime,host,src,proto,type,spt,dpt\n\
///            2013-03-03 21:53:59,groucho-oregon,1032051418,TCP,,6000,1433\n\
///            2013-03-03 21:54:10,groucho-oregon,1032051418,ICMP,8,,\n";
/// let mut r = CsvReader::from_reader("marx.csv", log.as_bytes(), CsvLayout::marx())?;
/// let first = r.next_record()?.expect("a row");
/// assert_eq!(first.src, Addr::V4("61.131.218.218".parse()?));
/// assert_eq!(first.dst_port, Some(1433));
/// let icmp = r.next_record()?.expect("a row");
/// assert_eq!(icmp.dst_port, None);
/// assert_eq!(r.names().get(0), Some("groucho-oregon"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CsvReader {
    path: PathBuf,
    inner: csv::Reader<Box<dyn Read + Send>>,
    layout: CsvLayout,
    cols: Cols,
    row: csv::ByteRecord,
    names: OpaqueNames,
    index: HashMap<String, u32>,
    report: ReadReport,
    done: bool,
    guard: RecordGuard,
}

impl std::fmt::Debug for CsvReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvReader")
            .field("path", &self.path)
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

impl CsvReader {
    /// Opens a CSV log (optionally gzip-compressed, detected by magic bytes).
    ///
    /// # Errors
    ///
    /// [`Error::Open`] if the file cannot be opened, and the errors of
    /// [`CsvReader::from_reader`].
    pub fn open(path: impl AsRef<Path>, layout: CsvLayout) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| Error::Open { path: path.into(), source })?;
        Self::from_reader(path, file, layout)
    }

    /// Reads a CSV log from any byte stream; `name` is used in errors.
    ///
    /// # Errors
    ///
    /// [`Error::Csv`] if the header cannot be read or a named column is
    /// missing, [`Error::Read`] on I/O failure.
    pub fn from_reader<R: Read + Send + 'static>(
        name: impl Into<PathBuf>,
        r: R,
        layout: CsvLayout,
    ) -> Result<Self> {
        let path = name.into();
        let src = maybe_gunzip(r).map_err(|source| Error::Read {
            path: path.clone(),
            offset: 0,
            source,
        })?;
        let mut inner = csv::ReaderBuilder::new()
            .has_headers(layout.has_header)
            .delimiter(layout.delimiter)
            .flexible(true)
            .from_reader(src);
        let header: Vec<String> = if layout.has_header {
            let h = inner.byte_headers().map_err(|e| Error::Csv {
                path: path.clone(),
                line: 1,
                reason: e.to_string(),
            })?;
            h.iter().map(|c| String::from_utf8_lossy(c).trim().to_owned()).collect()
        } else {
            Vec::new()
        };
        let find = |c: &Column| -> Result<usize> {
            match c {
                Column::Index(i) => Ok(*i),
                Column::Name(n) => {
                    header.iter().position(|h| h == n.trim()).ok_or_else(|| Error::Csv {
                        path: path.clone(),
                        line: 1,
                        reason: format!("no column named {n:?} (header: {})", header.join(",")),
                    })
                }
            }
        };
        let opt = |c: &Option<Column>| c.as_ref().map(find).transpose();
        let cols = Cols {
            ts: find(&layout.ts)?,
            src: find(&layout.src)?,
            dst: opt(&layout.dst)?,
            proto: opt(&layout.proto)?,
            src_port: opt(&layout.src_port)?,
            dst_port: opt(&layout.dst_port)?,
            tcp_flags: opt(&layout.tcp_flags)?,
            tcp_seq: opt(&layout.tcp_seq)?,
            len: opt(&layout.len)?,
            count: opt(&layout.count)?,
            mirai: opt(&layout.mirai)?,
        };
        Ok(Self {
            path,
            inner,
            layout,
            cols,
            row: csv::ByteRecord::new(),
            names: OpaqueNames::default(),
            index: HashMap::new(),
            report: ReadReport::default(),
            done: false,
            guard: RecordGuard::default(),
        })
    }

    /// Continues numbering pseudonyms from an existing table (for several
    /// files that share one pseudonym space).
    #[must_use]
    pub fn with_names(mut self, names: OpaqueNames) -> Self {
        self.index = names.iter().enumerate().map(|(i, n)| (n.to_owned(), i as u32)).collect();
        self.names = names;
        self
    }

    /// The pseudonyms seen so far, indexed by [`Addr::Opaque`].
    #[must_use]
    pub fn names(&self) -> &OpaqueNames {
        &self.names
    }

    /// Gives back the pseudonym table.
    #[must_use]
    pub fn into_names(self) -> OpaqueNames {
        self.names
    }

    /// Counts so far ([`ReadReport::n_frames`] counts rows).
    #[must_use]
    pub fn report(&self) -> &ReadReport {
        &self.report
    }

    /// The next record, `None` at the end of the log.
    ///
    /// # Errors
    ///
    /// [`Error::Csv`] if the CSV structure itself is broken (for example
    /// invalid quoting), [`Error::Read`] on I/O failure. The reader is
    /// finished after an error.
    pub fn next_record(&mut self) -> Result<Option<PacketRecord>> {
        self.next_guarded()
    }

    /// Sets the largest jump in time between a row and the rows around it
    /// (default one hour; `None` turns the check off), as
    /// [`CaptureReader::max_time_jump_ns`](crate::CaptureReader::max_time_jump_ns)
    /// does for captures. Set it before reading.
    #[must_use]
    pub fn max_time_jump_ns(mut self, ns: Option<i64>) -> Self {
        self.guard = RecordGuard::new(ns);
        self
    }

    /// The next parsed row, before the timestamp check.
    fn next_row_record(&mut self) -> Result<Option<PacketRecord>> {
        while !self.done {
            match self.inner.read_byte_record(&mut self.row) {
                Ok(false) => {
                    self.done = true;
                    return Ok(None);
                }
                Ok(true) => {}
                Err(e) => {
                    self.done = true;
                    let line = e.position().map_or(0, csv::Position::line);
                    return Err(match e.into_kind() {
                        csv::ErrorKind::Io(source) => {
                            Error::Read { path: self.path.clone(), offset: 0, source }
                        }
                        kind => Error::Csv {
                            path: self.path.clone(),
                            line,
                            reason: format!("{kind:?}"),
                        },
                    });
                }
            }
            self.report.n_frames += 1;
            match self.parse_row() {
                Some(rec) => {
                    self.report.n_records += 1;
                    return Ok(Some(rec));
                }
                None => self.report.count_malformed(Malformed::CsvField),
            }
        }
        Ok(None)
    }

    /// The cell at `i`, or `None` if missing or "not applicable".
    fn cell(&self, i: usize) -> Option<&str> {
        let raw = std::str::from_utf8(self.row.get(i)?).ok()?.trim();
        if self.layout.na.iter().any(|n| n == raw) { None } else { Some(raw) }
    }

    fn opt_cell(&self, c: Option<usize>) -> Option<&str> {
        c.and_then(|i| self.cell(i))
    }

    /// Parses one row; `None` if a present cell is unparsable or a required
    /// one is missing.
    fn parse_row(&mut self) -> Option<PacketRecord> {
        let c = self.cols;
        let ts_ns = match self.layout.ts_format {
            TimeFormat::EpochSeconds => parse_epoch_secs(self.cell(c.ts)?)?,
            TimeFormat::DateTime => parse_utc(self.cell(c.ts)?)?,
        };
        let p = match self.opt_cell(c.proto) {
            Some(s) => parse_proto(s)?,
            None => proto::TCP,
        };
        let src_port = self.opt_cell(c.src_port).map(str::parse::<u16>).transpose().ok()?;
        let dst_port = self.opt_cell(c.dst_port).map(str::parse::<u16>).transpose().ok()?;
        let flags = match self.opt_cell(c.tcp_flags) {
            Some(s) => Some(parse_flags(s)?),
            None => None,
        };
        let seq = self.opt_cell(c.tcp_seq).map(str::parse::<u32>).transpose().ok()?;
        let len = self.opt_cell(c.len).map(str::parse::<u32>).transpose().ok()?.unwrap_or(0);
        let count = self.opt_cell(c.count).map(str::parse::<u32>).transpose().ok()?.unwrap_or(1);
        let mirai_label = match self.opt_cell(c.mirai) {
            Some(s) => Some(parse_label(s)?),
            None => None,
        };
        let src_text = self.cell(c.src)?.to_owned();
        let dst_text = self.opt_cell(c.dst).map(str::to_owned);
        // Both are checked before either is named, so a malformed row adds
        // no pseudonym.
        let src = (AddrCell::of(&src_text, self.layout.src_format)?, src_text);
        let dst = match dst_text {
            Some(d) => Some((AddrCell::of(&d, self.layout.dst_format)?, d)),
            None => None,
        };
        let src = self.resolve(src);
        let dst = dst.map(|d| self.resolve(d));
        let is_tcp_udp = p == proto::TCP || p == proto::UDP;
        Some(PacketRecord {
            ts_ns,
            src,
            dst,
            proto: p,
            src_port: src_port.filter(|_| is_tcp_udp),
            dst_port: dst_port.filter(|_| is_tcp_udp),
            tcp_flags: flags.filter(|_| p == proto::TCP),
            tcp_seq: seq.filter(|_| p == proto::TCP),
            len,
            count,
            mirai_label,
        })
    }

    /// The address of a checked cell, naming a pseudonym on first sight.
    fn resolve(&mut self, (cell, text): (AddrCell, String)) -> Addr {
        match cell {
            AddrCell::Addr(a) => a,
            AddrCell::Name => self.name(&text),
        }
    }

    /// The pseudonym of `s`, numbered on first sight.
    fn name(&mut self, s: &str) -> Addr {
        if let Some(&id) = self.index.get(s) {
            return Addr::Opaque(id);
        }
        let id = self.names.push(s.to_owned());
        self.index.insert(s.to_owned(), id);
        Addr::Opaque(id)
    }
}

impl GuardedReader for CsvReader {
    fn read_unchecked(&mut self) -> Result<Option<PacketRecord>> {
        self.next_row_record()
    }

    fn guard_and_report(&mut self) -> (&mut RecordGuard, &mut ReadReport) {
        (&mut self.guard, &mut self.report)
    }
}

impl Iterator for CsvReader {
    type Item = Result<PacketRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

/// What an address cell holds under its column's [`AddrFormat`].
#[derive(Debug, PartialEq, Eq)]
enum AddrCell {
    /// An address.
    Addr(Addr),
    /// A pseudonym.
    Name,
}

impl AddrCell {
    /// `None` for a value that is not an address where only addresses are
    /// allowed.
    fn of(s: &str, format: AddrFormat) -> Option<Self> {
        if format == AddrFormat::Opaque {
            return Some(Self::Name);
        }
        let ip = s.parse::<IpAddr>().ok().map(|ip| match ip {
            IpAddr::V4(a) => Addr::V4(a),
            IpAddr::V6(a) => Addr::V6(a),
        });
        // An address as an unsigned integer: digits only (`u32::from_str`
        // also takes a leading `+`).
        let integer = || {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
                .map(|n| Addr::V4(Ipv4Addr::from(n)))
        };
        match ip.or_else(integer) {
            Some(a) => Some(Self::Addr(a)),
            None if format == AddrFormat::Ip => None,
            None => Some(Self::Name),
        }
    }
}

fn parse_proto(s: &str) -> Option<u8> {
    if let Ok(n) = s.parse::<u8>() {
        return Some(n);
    }
    Some(match s.to_ascii_lowercase().as_str() {
        "tcp" => proto::TCP,
        "udp" => proto::UDP,
        "icmp" => proto::ICMP,
        "icmpv6" | "ipv6-icmp" | "icmp6" => proto::ICMPV6,
        "gre" => proto::GRE,
        _ => return None,
    })
}

/// A yes/no label cell.
fn parse_label(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

fn parse_flags(s: &str) -> Option<u8> {
    if let Ok(n) = s.parse::<u8>() {
        return Some(n);
    }
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u8::from_str_radix(h, 16).ok();
    }
    let mut f = 0u8;
    for ch in s.chars() {
        f |= match ch.to_ascii_uppercase() {
            'F' => tcp_flags::FIN,
            'S' => tcp_flags::SYN,
            'R' => tcp_flags::RST,
            'P' => tcp_flags::PSH,
            'A' => tcp_flags::ACK,
            'U' => tcp_flags::URG,
            'E' => tcp_flags::ECE,
            'C' | 'W' => tcp_flags::CWR,
            '.' => 0,
            _ => return None,
        };
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn darkvec_rows() {
        let log = "0,ts,ethtype,src_ip,src_port,dst_ip,dst_port,proto,pck_len,tcp_flags,mirai,tcp_seq,ttl,t_mss,t_win,t_ts,t_sack,t_sackp\n\
            2021-05-01 00:00:00.16,1619827200.160742,2048,src_ipaddr0,57340,dst_ipaddr0,11676,6,60,2,0,1546020250,243,-,-,-,-,-\n\
            2021-05-01 00:00:01,1619827201,2048,src_ipaddr0,-,dst_ipaddr1,-,1,84,-,-,-,50,-,-,-,-,-\n\
            2021-05-01 00:00:02,notatime,2048,src_ipaddr1,1,dst_ipaddr1,2,6,60,2,0,1,50,-,-,-,-,-\n";
        let mut r = CsvReader::from_reader("d.csv", log.as_bytes(), CsvLayout::darkvec()).unwrap();
        let a = r.next_record().unwrap().unwrap();
        assert_eq!(a.ts_ns, 1_619_827_200_160_742_000);
        assert_eq!(a.src, Addr::Opaque(0));
        assert_eq!(a.dst, Some(Addr::Opaque(1)));
        assert_eq!(
            (a.proto, a.dst_port, a.tcp_flags, a.tcp_seq, a.len),
            (6, Some(11676), Some(2), Some(1_546_020_250), 60)
        );
        assert_eq!(a.mirai_label, Some(false));
        let b = r.next_record().unwrap().unwrap();
        assert_eq!((b.src, b.proto, b.dst_port, b.tcp_flags), (Addr::Opaque(0), 1, None, None));
        assert_eq!(b.mirai_label, None);
        assert_eq!(r.next_record().unwrap(), None);
        assert_eq!(r.report().malformed(Malformed::CsvField), 1);
        assert_eq!(r.names().get(2), Some("dst_ipaddr1"));
    }

    #[test]
    fn marx_senders_must_be_addresses() {
        let log = "datetime,host,src,proto,type,spt,dpt\n\
                   2013-03-03 21:53:59,groucho-oregon,hello world,TCP,,6000,1433\n\
                   2013-03-03 21:54:00,groucho-oregon,4294967296,TCP,,6000,1433\n\
                   2013-03-03 21:54:01,groucho-tokyo,99999999999,TCP,,6000,1433\n\
                   2013-03-03 21:54:02,groucho-oregon,-1,TCP,,6000,1433\n\
                   2013-03-03 21:54:02,groucho-oregon,+5,TCP,,6000,1433\n\
                   2013-03-03 21:54:03,groucho-sydney,4294967295,TCP,,6000,22\n\
                   2013-03-03 21:54:04,groucho-oregon,61.131.218.218,UDP,,53,53\n";
        let mut r = CsvReader::from_reader("marx.csv", log.as_bytes(), CsvLayout::marx()).unwrap();
        let got: Vec<(Addr, Option<Addr>)> =
            std::iter::from_fn(|| r.next_record().unwrap()).map(|rec| (rec.src, rec.dst)).collect();
        assert_eq!(
            got,
            [
                (Addr::V4(Ipv4Addr::BROADCAST), Some(Addr::Opaque(0))),
                (Addr::V4(Ipv4Addr::new(61, 131, 218, 218)), Some(Addr::Opaque(1))),
            ]
        );
        assert_eq!(r.report().malformed(Malformed::CsvField), 5);
        // The rejected rows named nothing: the table holds the two honeypots
        // of the kept rows, numbered densely.
        let names: Vec<&str> = r.names().iter().collect();
        assert_eq!(names, ["groucho-sydney", "groucho-oregon"]);
    }

    #[test]
    fn address_columns_follow_their_format() {
        let log = "ts,src,dst\n1,10.0.0.1,src_ipaddr3\n2,src_ipaddr3,10.0.0.2\n";
        let read = |src_format, dst_format| {
            let mut layout = CsvLayout::new("ts", TimeFormat::EpochSeconds, "src");
            layout.dst = Some("dst".into());
            (layout.src_format, layout.dst_format) = (src_format, dst_format);
            let mut r = CsvReader::from_reader("a.csv", log.as_bytes(), layout).unwrap();
            let got: Vec<(Addr, Option<Addr>)> = std::iter::from_fn(|| r.next_record().unwrap())
                .map(|rec| (rec.src, rec.dst))
                .collect();
            (got, r.report().malformed(Malformed::CsvField))
        };
        let ip = |s: &str| Addr::V4(s.parse().unwrap());
        // Auto: addresses are addresses, anything else a pseudonym.
        assert_eq!(
            read(AddrFormat::Auto, AddrFormat::Auto),
            (
                vec![
                    (ip("10.0.0.1"), Some(Addr::Opaque(0))),
                    (Addr::Opaque(0), Some(ip("10.0.0.2")))
                ],
                0
            )
        );
        // Addresses only in `src`: the row with a pseudonymous sender is
        // malformed.
        assert_eq!(
            read(AddrFormat::Ip, AddrFormat::Auto),
            (vec![(ip("10.0.0.1"), Some(Addr::Opaque(0)))], 1)
        );
        // Opaque ids in `src`: even an address is a pseudonym.
        assert_eq!(
            read(AddrFormat::Opaque, AddrFormat::Ip),
            (vec![(Addr::Opaque(0), Some(ip("10.0.0.2")))], 1)
        );
    }

    #[test]
    fn positions_flows_and_missing_columns() {
        let log = "10.0.0.1;2021-05-01T00:00:00Z;SA;7\n";
        let mut layout = CsvLayout::new(1, TimeFormat::DateTime, 0);
        layout.has_header = false;
        layout.delimiter = b';';
        layout.tcp_flags = Some(2.into());
        layout.count = Some(3.into());
        let mut r = CsvReader::from_reader("f.csv", log.as_bytes(), layout).unwrap();
        let rec = r.next_record().unwrap().unwrap();
        assert_eq!((rec.tcp_flags, rec.count), (Some(0x12), 7));
        // An optional label column in any mapping: a provided label wins
        // over the sequence-number test, either way.
        let log = "ts,src,dst,flags,seq,label\n\
                   1,10.0.0.1,10.0.0.2,S,167772162,no\n\
                   2,10.0.0.1,10.0.0.2,S,5,YES\n\
                   3,10.0.0.1,10.0.0.2,S,167772162,-\n\
                   4,10.0.0.1,10.0.0.2,S,5,maybe\n";
        let mut layout = CsvLayout::new("ts", TimeFormat::EpochSeconds, "src");
        layout.dst = Some("dst".into());
        layout.tcp_flags = Some("flags".into());
        layout.tcp_seq = Some("seq".into());
        layout.mirai = Some("label".into());
        let mut r = CsvReader::from_reader("l.csv", log.as_bytes(), layout).unwrap();
        let got: Vec<(Option<bool>, bool)> = std::iter::from_fn(|| r.next_record().unwrap())
            .map(|rec| (rec.mirai_label, rec.is_mirai_like()))
            .collect();
        assert_eq!(got, [(Some(false), false), (Some(true), true), (None, true)]);
        assert_eq!(r.report().malformed(Malformed::CsvField), 1, "an unknown label value");
        let err =
            CsvReader::from_reader("g.csv", "a,b\n".as_bytes(), CsvLayout::marx()).unwrap_err();
        assert!(matches!(err, Error::Csv { line: 1, .. }), "{err}");
    }
}
