//! Sizes written for people: bytes in binary units. Below both `error` (which
//! prints sizes in its messages) and `memory` (which returns errors), so neither
//! imports the other in a loop.

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
