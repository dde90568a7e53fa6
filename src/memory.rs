//! Size checks made before allocating: how much host memory there is, and the error that
//! names what would not fit, how many bytes it needs and the limit it is over. Sizes are
//! computed in `u128` with checked arithmetic by the callers, so no size ever wraps.

use crate::error::{Error, Result};

/// Bytes of host memory available to a new allocation (Linux: `MemAvailable` in
/// /proc/meminfo); `None` where that cannot be read.
pub fn host_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// `bytes` in the largest binary unit that keeps it ≥ 1 ("1.5 GiB", "312 bytes").
pub fn human(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut v = bytes as f64;
    let mut unit = "bytes";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// `Err(Error::TooLarge)` when `bytes` exceed the host's available memory.
pub(crate) fn check_host(what: impl std::fmt::Display, bytes: u128, fix: &str) -> Result<()> {
    match host_available() {
        Some(avail) if bytes > avail as u128 => Err(Error::TooLarge {
            what: what.to_string(),
            bytes,
            limit: avail as u128,
            limit_name: "the memory this machine has available".into(),
            fix: fix.into(),
        }),
        _ => Ok(()),
    }
}

/// The product of `dims` as `u128`, or `None` if even that overflows.
pub(crate) fn product(dims: &[usize]) -> Option<u128> {
    dims.iter()
        .try_fold(1u128, |a, &d| a.checked_mul(d as u128))
}
