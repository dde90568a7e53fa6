//! The start-up autotune: on an adapter it has not seen, time each matmul kernel family
//! (`matmul_choice::MatmulKernel`) on one shape per (layout, size class) with the
//! profiler (GPU timestamp queries, the CPU clock where there are none) and keep the
//! fastest; remember the table in the user's cache folder under the adapter, driver,
//! wgtrain version and the matmul shaders' text, so later runs read it in microseconds.
//! `WGTRAIN_TUNE=off` keeps the measured defaults (the tests do); `wgtrain tune` prints
//! the table. Every kernel gives the same bits, so the choice moves only time. (Burn's
//! autotune is the cautionary example: minutes cold on llvmpipe and re-run by users who
//! did not expect it; this one times 4 kernels on 9 small shapes, once per adapter.)

use std::path::PathBuf;

use super::matmul_choice::{MatmulKernel, MatmulTable, SizeClass, LAYOUTS};
use super::{Gpu, Shader};
use crate::error::{Error, Result};
use crate::shape::Layout;

/// Whether `Gpu::new` tunes (`WGTRAIN_TUNE`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TuneMode {
    /// Read the cached table, or tune and cache it (the default).
    #[default]
    Auto,
    /// The measured defaults, nothing read or written (`WGTRAIN_TUNE=off`).
    Off,
}

impl TuneMode {
    /// From `WGTRAIN_TUNE`: `off`/`0` or `on`/`1`/unset.
    pub fn from_env() -> Result<TuneMode> {
        match std::env::var("WGTRAIN_TUNE").as_deref().map(str::trim) {
            Err(_) | Ok("") | Ok("on") | Ok("1") => Ok(TuneMode::Auto),
            Ok("off") | Ok("0") => Ok(TuneMode::Off),
            Ok(other) => Err(Error::BadSetting {
                name: "WGTRAIN_TUNE",
                value: other.to_string(),
                reason: "expected off (the measured defaults) or on".into(),
            }),
        }
    }
}

/// What a tune found, or read back.
#[derive(Clone, Debug)]
pub struct TuneReport {
    /// The kernel chosen for each (layout, size class).
    pub table: MatmulTable,
    /// Microseconds per dispatch: (layout, size class, kernel, µs); empty when read from
    /// the cache.
    pub timings: Vec<(Layout, SizeClass, MatmulKernel, f64)>,
    /// How long tuning took (0 when read from the cache).
    pub seconds: f64,
    /// Where the table is kept (None: no cache folder known).
    pub cache_file: Option<PathBuf>,
    /// True when the table was read from the cache instead of measured.
    pub from_cache: bool,
    /// Why the table could not be saved in `cache_file` (a fresh tune only), if it could
    /// not: a later run then tunes again.
    pub save_error: Option<String>,
    /// The clock the timings came from.
    pub clock: &'static str,
}

/// The largest autotune cache file read: a table is under 1 KiB, so 64 KiB leaves room
/// and a damaged or foreign file of any size is refused without reading it.
pub const MAX_CACHE_BYTES: u64 = 64 << 10;

impl Gpu {
    /// Use `table` for the matmul kernels (a tune's or the cache's).
    pub(crate) fn set_matmul_table(&mut self, table: MatmulTable) {
        self.tuning.matmul = table;
    }

    /// The cache file for this adapter, driver, wgtrain version and matmul kernels:
    /// `$WGTRAIN_CACHE_DIR`, else the user's cache folder (`$XDG_CACHE_HOME` or
    /// `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows)
    /// under `wgtrain/`.
    pub fn tune_cache_file(&self) -> Option<PathBuf> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let dir = env("WGTRAIN_CACHE_DIR").or_else(|| {
            let base = if cfg!(target_os = "macos") {
                env("HOME").map(|h| h.join("Library/Caches"))
            } else if cfg!(windows) {
                env("LOCALAPPDATA")
            } else {
                env("XDG_CACHE_HOME").or_else(|| env("HOME").map(|h| h.join(".cache")))
            };
            base.map(|b| b.join("wgtrain"))
        })?;
        let i = &self.info;
        let mut key = format!(
            "{}|{:?}|{}|{}|{}",
            i.name,
            i.backend,
            i.vendor,
            i.driver,
            env!("CARGO_PKG_VERSION")
        );
        for s in [Shader::Matmul, Shader::MatmulVec4, Shader::MatmulTiled] {
            key.push_str(s.source());
        }
        Some(dir.join(format!("autotune-{:016x}.json", fnv1a(key.as_bytes()))))
    }

    /// The cached table in `file`, if it is a regular file of at most
    /// [`MAX_CACHE_BYTES`] holding a table for this adapter (a FIFO or a device is not
    /// opened, so nothing blocks; anything else costs a tune).
    pub(crate) fn read_tune(&self, file: &std::path::Path) -> Option<MatmulTable> {
        let bytes = crate::bounded_file::read_regular(file, "autotune cache", MAX_CACHE_BYTES)
            .map_err(|e| log::warn!("wgtrain: not reading the autotune cache: {e}"))
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let v: serde_json::Value = crate::strict_json::from_str(&text).ok()?;
        if v.get("adapter")?.as_str()? != self.info.name {
            return None;
        }
        let mut table = self.default_matmul_table();
        for layout in LAYOUTS {
            let row = v.get("table")?.get(format!("{layout:?}"))?.as_array()?;
            if row.len() != SizeClass::ALL.len() {
                return None;
            }
            for (class, name) in SizeClass::ALL.into_iter().zip(row) {
                let kernel = MatmulKernel::from_name(name.as_str()?)?;
                if kernel.is_tiled() && !self.offers_tiled_matmul() {
                    return None;
                }
                table.set(layout, class, kernel);
            }
        }
        Some(table)
    }

    pub(crate) fn write_tune(&self, file: &std::path::Path, r: &TuneReport) -> Result<()> {
        let mut table = serde_json::Map::new();
        for layout in LAYOUTS {
            let row: Vec<serde_json::Value> = SizeClass::ALL
                .into_iter()
                .map(|c| {
                    let (m, n, k) = c.representative();
                    r.table.get(layout, m, n, k).name().into()
                })
                .collect();
            table.insert(format!("{layout:?}"), row.into());
        }
        let body = serde_json::json!({
            "adapter": self.info.name,
            "backend": format!("{:?}", self.info.backend),
            "driver": self.info.driver,
            "wgtrain": env!("CARGO_PKG_VERSION"),
            "size_classes": ["small", "medium", "large"],
            "table": table,
            "tuned_seconds": r.seconds,
            "clock": r.clock,
        });
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io {
                path: Some(dir.to_path_buf()),
                source: e,
            })?;
        }
        let text = serde_json::to_string_pretty(&body).expect("JSON of plain values");
        crate::atomic_file::write_atomically(file, text.as_bytes())
    }
}

/// FNV-1a, 64 bits: a stable name for the cache key (Rust's own hasher may change).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
