//! A small reader for tar archives (POSIX ustar, with GNU long names and pax path
//! records), streaming: each regular file is handed to a visitor as a reader that yields
//! exactly its bytes, everything else is skipped. Made for CIFAR-10's `.tar.gz`; hostile
//! input meets bounds, not trust: header checksums are checked, sizes must be octal (or
//! GNU base-256) and below a cap, long names are capped, and an archive cut short or
//! without its end marker is an error that says where.

use std::io::Read;

/// The most bytes of tar stream read before the archive is refused (its members and
/// headers together, uncompressed).
pub(crate) const MAX_TAR_BYTES: u64 = 1 << 30;

/// The longest name (GNU `L` record or pax `path`) accepted.
const MAX_NAME: u64 = 64 * 1024;

const BLOCK: usize = 512;

/// A tar stream over `r`, counting what it read.
struct Tar<R: Read> {
    r: R,
    read: u64,
}

impl<R: Read> Tar<R> {
    /// Exactly `buf.len()` bytes, or an error saying the archive is cut short.
    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<(), String> {
        self.read += buf.len() as u64;
        if self.read > MAX_TAR_BYTES {
            return Err(format!(
                "holds more than {} of tar data; not a CIFAR-10 archive",
                crate::units::human(MAX_TAR_BYTES as u128)
            ));
        }
        self.r.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                format!("the archive is cut short in {what}; delete it and fetch it again")
            }
            _ => format!(
                "corrupt or cut compressed data in {what} ({e}); delete the file and fetch it \
                 again"
            ),
        })
    }

    /// Reads `n` bytes and drops them.
    fn skip(&mut self, n: u64, what: &str) -> Result<(), String> {
        let mut left = n;
        let mut buf = [0u8; 8192];
        while left > 0 {
            let k = left.min(buf.len() as u64) as usize;
            self.fill(&mut buf[..k], what)?;
            left -= k as u64;
        }
        Ok(())
    }
}

/// What one header says.
struct Header {
    name: String,
    size: u64,
    kind: u8,
}

/// A field's text up to its first NUL.
fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// A numeric field: octal digits (space or NUL padded), or GNU's base-256 (high bit set).
fn number(field: &[u8], what: &str, at: u64) -> Result<u64, String> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut v: u64 = (field[0] & 0x7f) as u64;
        for &b in &field[1..] {
            v = v
                .checked_mul(256)
                .and_then(|v| v.checked_add(b as u64))
                .ok_or_else(|| format!("the header at byte {at} has an impossible {what}"))?;
        }
        return Ok(v);
    }
    let digits = text(field);
    let digits = digits.trim_matches(|c: char| c == ' ' || c == '\0');
    if digits.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(digits, 8).map_err(|_| {
        format!(
            "the header at byte {at} has {what} {:?}, not an octal number; the file is not a \
             tar archive or is damaged",
            crate::echo::clip(digits)
        )
    })
}

fn parse_header(b: &[u8; BLOCK], at: u64) -> Result<Header, String> {
    let stored = number(&b[148..156], "checksum", at)?;
    let sum: u64 = b
        .iter()
        .enumerate()
        .map(|(i, &v)| match i {
            148..156 => b' ' as u64,
            _ => v as u64,
        })
        .sum();
    if stored != sum {
        return Err(format!(
            "the header at byte {at} has a wrong checksum ({stored}, computed {sum}); the file \
             is not a tar archive or is damaged: delete it and fetch it again"
        ));
    }
    let mut name = text(&b[0..100]);
    if &b[257..262] == b"ustar" {
        let prefix = text(&b[345..500]);
        if !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
    }
    Ok(Header {
        name,
        size: number(&b[124..136], "size", at)?,
        kind: b[156],
    })
}

/// The `path` record of a pax extended header, if it has one.
fn pax_path(records: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(records);
    text.lines()
        .filter_map(|l| l.split_once(' ').map(|(_, kv)| kv))
        .find_map(|kv| kv.strip_prefix("path=").map(str::to_string))
}

/// Calls `visit(name, size, reader)` for each regular file in the tar stream `r`, in
/// the archive's order; `reader` yields the member's `size` bytes (what the visitor leaves
/// unread is skipped). Ends at the end marker (a zero block); an archive that ends
/// without one is cut short. Errors are descriptions without the file's name.
pub(crate) fn each_file(
    r: impl Read,
    mut visit: impl FnMut(&str, u64, &mut dyn Read) -> Result<(), String>,
) -> Result<(), String> {
    let mut tar = Tar { r, read: 0 };
    let mut long_name: Option<String> = None;
    loop {
        let at = tar.read;
        let mut block = [0u8; BLOCK];
        tar.fill(&mut block, &format!("the header at byte {at}"))?;
        if block.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let h = parse_header(&block, at)?;
        let padded = h.size.div_ceil(BLOCK as u64) * BLOCK as u64;
        let name = long_name.take().unwrap_or(h.name);
        let what = format!("member {}", crate::echo::clip(&name));
        match h.kind {
            b'0' | b'\0' | b'7' => {
                if padded > MAX_TAR_BYTES {
                    return Err(format!("{what} declares {} bytes; too large", h.size));
                }
                let mut member = Member {
                    tar: &mut tar,
                    left: h.size,
                    what: &what,
                    failed: None,
                };
                let result = visit(&name, h.size, &mut member);
                if let Some(e) = member.failed.take() {
                    return Err(e);
                }
                result?;
                let left = member.left;
                tar.skip(left + (padded - h.size), &what)?;
            }
            b'L' | b'x' => {
                if h.size > MAX_NAME {
                    return Err(format!(
                        "the header at byte {at} declares a {}-byte name record; too long",
                        h.size
                    ));
                }
                let mut record = vec![0u8; h.size as usize];
                tar.fill(&mut record, &what)?;
                tar.skip(padded - h.size, &what)?;
                long_name = match h.kind {
                    b'L' => Some(text(&record)),
                    _ => pax_path(&record),
                };
            }
            _ => {
                if padded > MAX_TAR_BYTES {
                    return Err(format!("{what} declares {} bytes; too large", h.size));
                }
                tar.skip(padded, &what)?;
            }
        }
    }
}

/// One member's bytes, read through the archive.
struct Member<'a, R: Read> {
    tar: &'a mut Tar<R>,
    left: u64,
    what: &'a str,
    /// The archive's own error (cut short, corrupt), kept for [`each_file`] to report.
    failed: Option<String>,
}

impl<R: Read> Read for Member<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = (self.left.min(buf.len() as u64)) as usize;
        if k == 0 {
            return Ok(0);
        }
        match self.tar.fill(&mut buf[..k], self.what) {
            Ok(()) => {
                self.left -= k as u64;
                Ok(k)
            }
            Err(e) => {
                self.failed = Some(e.clone());
                Err(std::io::Error::other(e))
            }
        }
    }
}
