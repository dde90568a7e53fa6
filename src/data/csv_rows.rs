//! A CSV file read one record at a time (the `csv` crate: RFC 4180 quoting, byte records),
//! so memory holds one row, not the file. Only a regular file is opened (a FIFO or a device
//! such as `/dev/zero` is refused before `open`, see `bounded_file`), and reading stops
//! with an error at `MAX_CSV_BYTES`. A UTF-8 byte-order mark is skipped, blank lines are
//! ignored, fields are trimmed and checked to be UTF-8 where they are used, and every error
//! names the line (and the column, where there is one). A reader can start again at a
//! record it passed (`Start`), which is how the statistics of the training rows are
//! completed without holding the rows.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::bounded_file::{open_regular, over_cap, CappedRead};
use crate::echo::clip;
use crate::error::{Error, Result};

/// The largest CSV read (a table of this size is far beyond what fits a small model's
/// training on a laptop); reads are capped too, so a file that grows while it is read
/// ends with an error at this size.
pub const MAX_CSV_BYTES: u64 = 1 << 30;

/// What the file is, in errors about it.
const WHAT: &str = "CSV table";

/// Where in the file a reader starts: a record's byte offset and line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Start {
    /// Byte offset of the record's first byte in the file.
    pub byte: u64,
    /// The record's 1-based line number.
    pub line: u64,
}

/// A CSV file's records in order.
pub struct Rows {
    path: PathBuf,
    reader: csv::Reader<QuoteScan<CappedRead<File>>>,
    record: csv::ByteRecord,
    /// The position of the reader's first byte in the file.
    base: Start,
    /// The current record's start.
    at: Start,
}

impl Rows {
    /// `path` read from its beginning (`None`) or from a record's start.
    pub fn open(path: impl AsRef<Path>, from: Option<Start>) -> Result<Rows> {
        let path = path.as_ref();
        let (mut file, _) = open_regular(path, WHAT, MAX_CSV_BYTES)?;
        let io = |source| Error::Io {
            path: Some(path.to_path_buf()),
            source,
        };
        let mut base = from.unwrap_or(Start { byte: 0, line: 1 });
        if base.byte > 0 {
            file.seek(SeekFrom::Start(base.byte)).map_err(io)?;
        }
        let mut scan = QuoteScan::new(CappedRead::new(
            file,
            MAX_CSV_BYTES.saturating_sub(base.byte),
        ));
        if from.is_none() {
            base.byte = scan.skip_bom().map_err(|e| read_error(path, e))?;
        }
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(scan);
        Ok(Rows {
            path: path.to_path_buf(),
            reader,
            record: csv::ByteRecord::new(),
            base,
            at: base,
        })
    }

    /// The next record that is not blank (`false` at the end of the file).
    pub fn advance(&mut self) -> Result<bool> {
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| match e.into_kind() {
                    csv::ErrorKind::Io(e) => read_error(&self.path, e),
                    other => self.bad(format!("cannot be read as CSV ({other:?})")),
                })?;
            if let Some(p) = self.record.position().filter(|_| more) {
                self.at = Start {
                    byte: self.base.byte + p.byte(),
                    line: self.base.line + p.line() - 1,
                };
            }
            // A record that ends inside quotes ends at the end of the file: it is the
            // last, and its quote was never closed.
            let scan = self.reader.get_ref();
            if scan.in_quotes && scan.ended {
                return Err(self.bad(format!(
                    "line {}: a quoted field is not closed (a `\"` opens it and the file \
                         ends before the closing `\"`)",
                    self.at.line
                )));
            }
            if !more {
                return Ok(false);
            }
            let blank = self.record.len() == 1
                && std::str::from_utf8(&self.record[0]).is_ok_and(|s| s.trim().is_empty());
            if !blank {
                return Ok(true);
            }
        }
    }

    /// The current record's line and byte offset.
    pub fn at(&self) -> Start {
        self.at
    }

    /// The current record's line.
    pub fn line(&self) -> u64 {
        self.at.line
    }

    /// How many fields the current record has.
    pub fn len(&self) -> usize {
        self.record.len()
    }

    /// Field `i` of the current record, trimmed; `column` names it in the error when it
    /// is not UTF-8.
    pub fn field(&self, i: usize, column: &str) -> Result<&str> {
        let raw = self.record.get(i).unwrap_or_default();
        match std::str::from_utf8(raw) {
            Ok(s) => Ok(s.trim()),
            Err(e) => Err(self.bad(format!(
                "line {}, column `{}`: not UTF-8 text (invalid byte {} bytes into the field); \
                 save the table as UTF-8 CSV",
                self.at.line,
                clip(column),
                e.valid_up_to()
            ))),
        }
    }

    /// The header: the first record's fields, which must be distinct names.
    pub fn header(&mut self) -> Result<Vec<String>> {
        if !self.advance()? {
            return Err(self.bad("is empty; a CSV needs a header row and data rows".into()));
        }
        let mut names: Vec<String> = Vec::with_capacity(self.len());
        for i in 0..self.len() {
            let name = self.field(i, &format!("{}", i + 1))?.to_string();
            if let Some(j) = names.iter().position(|n| *n == name) {
                return Err(self.bad(format!(
                    "line {}: column \"{}\" appears twice: columns {} and {}; give every \
                     column its own name",
                    self.at.line,
                    clip(&name),
                    j + 1,
                    i + 1
                )));
            }
            names.push(name);
        }
        Ok(names)
    }

    /// The current record has as many fields as the header.
    pub fn check_width(&self, header: &[String]) -> Result<()> {
        if self.len() == header.len() {
            return Ok(());
        }
        let names = header.join(", ");
        Err(self.bad(format!(
            "line {} has {} fields but the header has {} ({})",
            self.at.line,
            self.len(),
            header.len(),
            clip(&names)
        )))
    }

    /// An error about this file.
    pub fn bad(&self, detail: String) -> Error {
        Error::FileFormat {
            path: self.path.display().to_string(),
            detail,
        }
    }
}

/// A read error: over the size limit, or the system's.
fn read_error(path: &Path, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::FileTooLarge => over_cap(path, WHAT, MAX_CSV_BYTES),
        _ => Error::Io {
            path: Some(path.to_path_buf()),
            source: e,
        },
    }
}

/// The bytes the CSV parser reads, with two things the `csv` crate does not do: it reports
/// a quoted field still open at the end of the file (the parser would silently end it),
/// and it reads `a, "b, c"` as a spreadsheet does, the quote after the spaces opening a
/// quoted field. For that, spaces and tabs before a field's opening `"` are handed to the
/// parser after its closing `"` instead (the parser keeps bytes there in the field, and
/// fields are trimmed): no byte is added or dropped and none leaves its record, so byte
/// offsets and line numbers are the file's. Quoting is RFC 4180 as the `csv` crate's
/// default reader has it (`""` inside a quoted field is a quote).
struct QuoteScan<R> {
    inner: R,
    /// Bytes ready for the parser, from `out[next..]`.
    out: Vec<u8>,
    next: usize,
    /// Spaces and tabs held back from before a quoted field.
    held: Vec<u8>,
    state: Quote,
    /// Whether the bytes so far end inside a quoted field.
    in_quotes: bool,
    /// Whether the end of the file was reached.
    ended: bool,
    /// A `\r` outside quotes, waiting for the next byte.
    cr_pending: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Quote {
    /// At a field's start, or in the spaces before its first other byte.
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: it closes the field, or a second `"` follows.
    Closing,
}

impl<R: Read> QuoteScan<R> {
    fn new(inner: R) -> Self {
        QuoteScan {
            inner,
            out: Vec::new(),
            next: 0,
            held: Vec::new(),
            state: Quote::FieldStart,
            in_quotes: false,
            ended: false,
            cr_pending: false,
        }
    }

    /// Drops a UTF-8 byte-order mark at the start; returns how many bytes were dropped.
    fn skip_bom(&mut self) -> std::io::Result<u64> {
        let mut head = [0u8; 3];
        let mut n = 0;
        while n < 3 {
            match self.inner.read(&mut head[n..])? {
                0 => break,
                k => n += k,
            }
        }
        if head[..n] == [0xEF, 0xBB, 0xBF] {
            return Ok(3);
        }
        self.watch(&head[..n]);
        Ok(0)
    }

    /// Passes `bytes` on to `out`, following the quoting. A `\r` before `\n` outside quotes
    /// is handed on as a space (trimmed from the field it ends), so every record ends at a
    /// `\n` and the parser's line numbers count CRLF lines right.
    fn watch(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.cr_pending {
                self.cr_pending = false;
                self.feed(if b == b'\n' { b' ' } else { b'\r' });
            }
            if b == b'\r' && self.state != Quote::Quoted {
                self.cr_pending = true;
            } else {
                self.feed(b);
            }
        }
        self.in_quotes = self.state == Quote::Quoted;
    }

    /// The end of the file: what was held back goes on.
    fn finish(&mut self) {
        if std::mem::take(&mut self.cr_pending) {
            self.feed(b'\r');
        }
        self.out.append(&mut self.held);
    }

    fn feed(&mut self, b: u8) {
        let ends_field = |b: u8| matches!(b, b',' | b'\n' | b'\r');
        {
            self.state = match (self.state, b) {
                (Quote::FieldStart, b' ' | b'\t') => {
                    self.held.push(b);
                    Quote::FieldStart
                }
                (Quote::FieldStart, b'"') => {
                    self.out.push(b);
                    Quote::Quoted
                }
                (Quote::Quoted, b'"') | (Quote::Closing, b'"') => {
                    self.out.push(b);
                    match self.state {
                        Quote::Quoted => Quote::Closing,
                        _ => Quote::Quoted,
                    }
                }
                (Quote::Quoted, _) => {
                    self.out.push(b);
                    Quote::Quoted
                }
                (Quote::FieldStart | Quote::Closing | Quote::Unquoted, _) => {
                    self.out.append(&mut self.held);
                    self.out.push(b);
                    match ends_field(b) {
                        true => Quote::FieldStart,
                        false => Quote::Unquoted,
                    }
                }
            };
        }
    }
}

impl<R: Read> Read for QuoteScan<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.next == self.out.len() && !self.ended {
            self.out.clear();
            self.next = 0;
            let mut chunk = [0u8; 8192];
            let n = self.inner.read(&mut chunk)?;
            self.watch(&chunk[..n]);
            if n == 0 {
                self.ended = true;
                self.finish();
            }
        }
        let n = (self.out.len() - self.next).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.next..self.next + n]);
        self.next += n;
        Ok(n)
    }
}
