//! Size checks made before allocating: how much host memory there is, and the error that
//! names what would not fit, how many bytes it needs and the limit it is over. Sizes are
//! computed in `u128` with checked arithmetic by the callers, so no size ever wraps.

use crate::error::{Error, Result};

mod limits;

pub use crate::units::human;
pub use limits::{host_limit, HostLimit};

/// Bytes of host memory available to a new allocation: the smallest of `MemAvailable`,
/// the cgroup's limit less its use and the address-space limit (`ulimit -v`) less the
/// address space in use (see [`host_limit`]); `None` where none can be read.
pub fn host_available() -> Option<u64> {
    host_limit().map(|l| l.left)
}

/// `Err(Error::TooLarge)` when `bytes` exceed what the host leaves a new allocation; the
/// error names the limit that applied (the machine's memory, a cgroup's limit or the
/// address-space limit) and how to raise it.
pub(crate) fn check_host(what: impl std::fmt::Display, bytes: u128, fix: &str) -> Result<()> {
    match host_limit() {
        Some(l) if bytes > l.left as u128 => Err(Error::TooLarge {
            what: what.to_string(),
            bytes,
            limit: l.left as u128,
            limit_name: l.name,
            fix: match l.raise {
                "" => fix.into(),
                raise => format!("{fix}, {raise}"),
            },
        }),
        _ => Ok(()),
    }
}

/// The product of `dims` as `u128`, or `None` if even that overflows.
pub(crate) fn product(dims: &[usize]) -> Option<u128> {
    dims.iter()
        .try_fold(1u128, |a, &d| a.checked_mul(d as u128))
}
