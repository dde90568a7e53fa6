//! Reader for the IDX format MNIST ships in (raw or gzip-compressed, detected by the gzip
//! magic). Checks the magic, the element type (u8 only), the dimensions and that the file
//! holds exactly the data they announce; every error names the file.
//!
//! The file is streamed, never read whole: decompression stops one byte past the size the
//! header declares (so a small `.gz` that inflates to gigabytes costs no more than the
//! declared size), bytes after the gzip stream are an error, a gzip file cannot declare
//! more than deflate's ~1032:1 ratio allows, and with a limit only the first items are
//! kept (the rest is checked and dropped as it streams by).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// An IDX array of unsigned bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxArray {
    /// The dimensions of the items kept (`dims[0]` is the number kept).
    pub dims: Vec<usize>,
    /// The bytes of the items kept, row-major.
    pub data: Vec<u8>,
    /// Items (first dimension) the file declares, kept or not.
    pub file_items: usize,
}

/// Deflate cannot expand data by more than about 1032:1; a gzip file that declares more
/// IDX data than this many times its own size is lying.
const MAX_GZIP_RATIO: u64 = 1100;

/// Read an IDX file (`.gz` or raw), all of it.
pub fn read_idx(path: impl AsRef<Path>) -> Result<IdxArray> {
    let path = path.as_ref();
    read_idx_first(path, None)
}

/// Read an IDX file keeping only the first `limit` items (all when `None`); the rest of
/// the file is still checked.
pub fn read_idx_first(path: impl AsRef<Path>, limit: Option<usize>) -> Result<IdxArray> {
    let path = path.as_ref();
    let err = |detail: String| Error::FileFormat {
        path: path.display().to_string(),
        detail,
    };
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let file_len = file
        .metadata()
        .map_err(|e| err(format!("cannot read: {e}")))?
        .len();
    read_idx_from(BufReader::new(file), file_len, limit).map_err(err)
}

/// Parse IDX bytes held in memory, raw or gzip (by the gzip magic), keeping the first
/// `limit` items; the error is a description without a file name. What the fuzzers drive.
pub fn parse_idx_bytes(
    bytes: &[u8],
    limit: Option<usize>,
) -> std::result::Result<IdxArray, String> {
    read_idx_from(bytes, bytes.len() as u64, limit)
}

/// Parse IDX bytes held in memory (raw, not gzip); the error is a description without the
/// file name.
pub fn parse_idx(bytes: &[u8]) -> std::result::Result<IdxArray, String> {
    let mut r = bytes;
    read_stream(
        &mut r,
        None,
        Stream::Raw {
            len: bytes.len() as u64,
        },
    )
}

/// The reader behind both: `len` is the size of what `src` holds (the file's size).
fn read_idx_from(
    mut src: impl BufRead,
    len: u64,
    limit: Option<usize>,
) -> std::result::Result<IdxArray, String> {
    let head = src.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
    if !head.starts_with(&[0x1f, 0x8b]) {
        return read_stream(&mut src, limit, Stream::Raw { len });
    }
    let mut dec = flate2::bufread::GzDecoder::new(src);
    let out = read_stream(&mut dec, limit, Stream::Gzip { len })?;
    let mut rest = dec.into_inner();
    let trailing = rest
        .fill_buf()
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if trailing > 0 {
        return Err(format!(
            "unexpected bytes after the end of the gzip stream (at least {trailing}); the \
             file is damaged: delete it and fetch it again"
        ));
    }
    Ok(out)
}

/// What the bytes come from, for size checks and messages.
#[derive(Clone, Copy)]
enum Stream {
    /// A raw file of `len` bytes.
    Raw { len: u64 },
    /// The decompressed stream of a gzip file of `len` bytes.
    Gzip { len: u64 },
}

fn read_stream(
    r: &mut impl Read,
    limit: Option<usize>,
    kind: Stream,
) -> std::result::Result<IdxArray, String> {
    let gz = matches!(kind, Stream::Gzip { .. });
    let io = |e: std::io::Error| match gz {
        true => format!("corrupt or cut gzip data ({e}); delete the file and fetch it again"),
        false => format!("cannot read: {e}"),
    };
    let mut magic = [0u8; 4];
    let got = read_full(r, &mut magic).map_err(io)?;
    if got < 4 {
        return Err(format!(
            "truncated: {got} bytes, too short for the 4-byte IDX magic"
        ));
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(format!(
            "not an IDX file: the magic starts {:02x} {:02x}, expected 00 00",
            magic[0], magic[1]
        ));
    }
    if magic[2] != 0x08 {
        return Err(format!(
            "IDX element type 0x{:02x} is not supported (only unsigned bytes, 0x08)",
            magic[2]
        ));
    }
    let rank = magic[3] as usize;
    if rank == 0 {
        return Err("IDX rank 0: no dimensions".into());
    }
    let header = 4 + 4 * rank;
    let mut dim_bytes = vec![0u8; 4 * rank];
    let got = read_full(r, &mut dim_bytes).map_err(io)?;
    if got < dim_bytes.len() {
        return Err(format!(
            "truncated header: {} bytes, but rank {rank} needs {header}",
            4 + got
        ));
    }
    let dims: Vec<usize> = dim_bytes
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let item = dims[1..]
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
    let want = dims[0]
        .checked_mul(item)
        .ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
    match kind {
        Stream::Raw { len } => {
            let have = len.saturating_sub(header as u64);
            if have < want as u64 {
                return Err(format!(
                    "truncated: dimensions {dims:?} need {want} data bytes but the file has \
                     {have}; delete it and fetch it again"
                ));
            }
            if have > want as u64 {
                return Err(format!(
                    "{} unexpected bytes after the {want} data bytes of dimensions {dims:?}",
                    have - want as u64
                ));
            }
        }
        Stream::Gzip { len } => {
            if want as u64 > len.saturating_mul(MAX_GZIP_RATIO) {
                return Err(format!(
                    "dimensions {dims:?} declare {want} data bytes, more than a gzip file of \
                     {len} bytes can hold; the header is damaged"
                ));
            }
        }
    }
    let keep_items = limit.map_or(dims[0], |l| l.min(dims[0]));
    let keep = keep_items * item;
    let data = read_growing(r, keep).map_err(io)?;
    let truncated = |have: usize| {
        format!(
            "truncated: dimensions {dims:?} need {want} data bytes but the file has {have}; \
             delete it and fetch it again"
        )
    };
    if data.len() < keep {
        return Err(truncated(data.len()));
    }
    // The items not kept stream by (checked for length, not stored).
    let skipped = std::io::copy(&mut r.take((want - keep) as u64), &mut std::io::sink())
        .map_err(io)? as usize;
    if keep + skipped < want {
        return Err(truncated(keep + skipped));
    }
    // Exactly `want` bytes: one more means the file goes on. Stop reading here.
    let mut one = [0u8; 1];
    if read_full(r, &mut one).map_err(io)? > 0 {
        return Err(format!(
            "unexpected bytes after the {want} data bytes of dimensions {dims:?}"
        ));
    }
    let mut dims = dims;
    let file_items = dims[0];
    dims[0] = keep_items;
    Ok(IdxArray {
        dims,
        data,
        file_items,
    })
}

/// Read into `buf` until it is full or the stream ends; the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Up to `n` bytes, the buffer growing only as data arrives (a header that declares more
/// than the stream holds costs nothing).
fn read_growing(r: &mut impl Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    while out.len() < n {
        let want = chunk.len().min(n - out.len());
        let got = read_full(r, &mut chunk[..want])?;
        out.extend_from_slice(&chunk[..got]);
        if got < want {
            break;
        }
    }
    Ok(out)
}
