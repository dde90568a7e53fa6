//! The start-up autotune's timing loop (see `gpu/autotune.rs` for the table, its cache
//! and `WGTRAIN_TUNE`), and the `Gpu` constructors that run it. It times this crate's
//! matmul launchers, so it sits here, above the GPU runtime: `gpu` never imports `ops`.

use std::time::Instant;

use crate::error::Result;
use crate::gpu::autotune::{TuneMode, TuneReport};
use crate::gpu::matmul_choice::{MatmulKernel, SizeClass, LAYOUTS};
use crate::gpu::{Gpu, ProfileMethod};
use crate::shape::Layout;

/// Timed dispatches per kernel and shape (after one untimed, which builds the pipeline).
const REPS: usize = 2;

impl Gpu {
    /// Open the adapter chosen by `WGTRAIN_BACKEND` / `WGTRAIN_ADAPTER`, or the
    /// high-performance one.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new() -> Result<Gpu> {
        Gpu::with_options(&crate::gpu::GpuOptions::from_env()?)
    }

    /// Open the adapter chosen by `opts`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn with_options(opts: &crate::gpu::GpuOptions) -> Result<Gpu> {
        let mut gpu = Gpu::open_untuned(opts)?;
        gpu.tune(opts.tune)?;
        Ok(gpu)
    }

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
                let run = |kernel| {
                    super::matmul::matmul_with(self, (&a, &b), None, layout, false, kernel)
                };
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
                        ProfileMethod::GpuTimestamps => "GPU timestamps",
                        ProfileMethod::CpuWallClock => "CPU clock",
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
            self.set_matmul_table(table.clone());
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
        if self.info().is_cpu() {
            return Ok(None);
        }
        self.tune_now().map(Some)
    }

    /// Tune now (whatever the cache holds), apply the table and cache it.
    pub fn tune_now(&mut self) -> Result<TuneReport> {
        let mut report = self.autotune()?;
        self.set_matmul_table(report.table.clone());
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
}
