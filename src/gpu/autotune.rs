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
use std::time::Instant;

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

/// Timed dispatches per kernel and shape (after one untimed, which builds the pipeline).
const REPS: usize = 2;

impl Gpu {
    /// Time every matmul kernel on each (layout, size class)'s shape and return the
    /// fastest per class (`tune` applies and caches it).
    pub fn autotune(&self) -> Result<TuneReport> {
        let start = Instant::now();
        // This adapter's default family first: it keeps ties.
        let default = self.default_matmul_table();
        let first = default.choice[0][0];
        let mut kernels = vec![first];
        kernels.extend(
            MatmulKernel::ALL
                .into_iter()
                .filter(|&k| k != first && (self.offers_tiled_matmul() || !k.is_tiled())),
        );
        let mut table = default;
        let mut timings = Vec::new();
        let mut clock = "";
        for layout in LAYOUTS {
            for class in SizeClass::ALL {
                let (m, n, k) = class.representative();
                let (a_shape, b_shape) = match layout {
                    Layout::NN => ([m, k], [k, n]),
                    Layout::TN => ([k, m], [k, n]),
                    Layout::NT => ([m, k], [n, k]),
                };
                let fill = |len: usize| -> Vec<f32> {
                    (0..len)
                        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
                        .collect()
                };
                let a = self.upload(&a_shape, &fill(m * k))?;
                let b = self.upload(&b_shape, &fill(k * n))?;
                let run =
                    |kernel| crate::ops::matmul_with(self, (&a, &b), None, layout, false, kernel);
                for &kernel in &kernels {
                    run(kernel)?; // pipeline build, caches
                }
                self.synchronize()?;
                let mut best = (f64::INFINITY, first);
                for &kernel in &kernels {
                    self.set_profiling(true);
                    for _ in 0..REPS {
                        run(kernel)?;
                    }
                    let profile = self
                        .profile()
                        .ok_or_else(|| self.gpu_err("autotune", "no profile".into()))?;
                    self.set_profiling(false);
                    self.synchronize()?;
                    clock = match profile.method {
                        super::ProfileMethod::GpuTimestamps => "GPU timestamps",
                        super::ProfileMethod::CpuWallClock => "CPU clock",
                    };
                    // The register family may record a transpose too: all of it counts.
                    let us = profile.total_ms() * 1e3 / REPS as f64;
                    timings.push((layout, class, kernel, us));
                    // The defaults (timed first) keep ties: another kernel must be 10 %
                    // faster, so run-to-run noise does not flip the table.
                    if us < best.0 * if best.1 == first { 0.9 } else { 1.0 } {
                        best = (us, kernel);
                    }
                }
                table.set(layout, class, best.1);
            }
        }
        Ok(TuneReport {
            table,
            timings,
            seconds: start.elapsed().as_secs_f64(),
            cache_file: self.tune_cache_file(),
            from_cache: false,
            save_error: None,
            clock,
        })
    }

    /// Apply `mode`: the cached table for this adapter, else a fresh tune (saved); or the
    /// defaults. A cache that cannot be read or written costs a tune, never an error.
    /// CPU adapters (llvmpipe, SwiftShader) are not tuned unasked: their register kernels
    /// were tuned by hand there, and building the workgroup-memory kernels costs them
    /// about a second each cold (barriers become coroutines); `wgtrain tune` times them
    /// there too and caches the result, which later runs then use.
    pub fn tune(&mut self, mode: TuneMode) -> Result<Option<TuneReport>> {
        if mode == TuneMode::Off {
            return Ok(None);
        }
        let file = self.tune_cache_file();
        if let Some(table) = file.as_deref().and_then(|f| self.read_tune(f)) {
            self.tuning.matmul = table.clone();
            return Ok(Some(TuneReport {
                table,
                timings: Vec::new(),
                seconds: 0.0,
                cache_file: file,
                from_cache: true,
                save_error: None,
                clock: "",
            }));
        }
        if self.info.is_cpu() {
            return Ok(None);
        }
        self.tune_now().map(Some)
    }

    /// Tune now (whatever the cache holds), apply the table and cache it.
    pub fn tune_now(&mut self) -> Result<TuneReport> {
        let mut report = self.autotune()?;
        self.tuning.matmul = report.table.clone();
        if let Some(f) = &report.cache_file {
            if let Err(e) = self.write_tune(f, &report) {
                log::warn!(
                    "wgtrain: could not cache the autotune's table in {}: {e}",
                    f.display()
                );
                report.save_error = Some(e.to_string());
            }
        }
        Ok(report)
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
    fn read_tune(&self, file: &std::path::Path) -> Option<MatmulTable> {
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

    fn write_tune(&self, file: &std::path::Path, r: &TuneReport) -> Result<()> {
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
                path: dir.to_path_buf(),
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
