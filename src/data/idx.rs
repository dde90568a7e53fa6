//! Reader for the IDX format MNIST ships in (raw or gzip-compressed, detected by the gzip
//! magic). Checks the magic, the element type (u8 only), the dimensions and that the file
//! holds exactly the data they announce; every error names the file.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// An IDX array of unsigned bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Read an IDX file (`.gz` or raw).
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let raw = std::fs::read(path).map_err(|e| data_err(path, format!("cannot read: {e}")))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| {
                data_err(
                    path,
                    format!("corrupt gzip data ({e}); delete the file and fetch it again"),
                )
            })?;
        out
    } else {
        raw
    };
    parse_idx(&bytes).map_err(|detail| data_err(path, detail))
}

/// Parse IDX bytes; the error is a description without the file name.
pub fn parse_idx(bytes: &[u8]) -> std::result::Result<IdxArray, String> {
    if bytes.len() < 4 {
        return Err(format!(
            "truncated: {} bytes, too short for the 4-byte IDX magic",
            bytes.len()
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(format!(
            "not an IDX file: the magic starts {:02x} {:02x}, expected 00 00",
            bytes[0], bytes[1]
        ));
    }
    if bytes[2] != 0x08 {
        return Err(format!(
            "IDX element type 0x{:02x} is not supported (only unsigned bytes, 0x08)",
            bytes[2]
        ));
    }
    let rank = bytes[3] as usize;
    if rank == 0 {
        return Err("IDX rank 0: no dimensions".into());
    }
    let header = 4 + 4 * rank;
    if bytes.len() < header {
        return Err(format!(
            "truncated header: {} bytes, but rank {rank} needs {header}",
            bytes.len()
        ));
    }
    let dims: Vec<usize> = (0..rank)
        .map(|i| {
            let o = 4 + 4 * i;
            u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize
        })
        .collect();
    let want = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
    let have = bytes.len() - header;
    if have < want {
        return Err(format!(
            "truncated: dimensions {dims:?} need {want} data bytes but the file has {have}; \
             delete it and fetch it again"
        ));
    }
    if have > want {
        return Err(format!(
            "{} unexpected bytes after the {want} data bytes of dimensions {dims:?}",
            have - want
        ));
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

fn data_err(path: &Path, detail: String) -> Error {
    Error::Data {
        path: path.display().to_string(),
        detail,
    }
}
