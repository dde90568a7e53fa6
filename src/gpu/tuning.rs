//! Per-adapter kernel settings. Defaults are measured (see README, "Performance" and "Kernel
//! benchmarks"); the environment can override them for experiments.

use super::matmul_choice::MatmulTable;
use super::GpuInfo;

/// Launch settings chosen once per device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tuning {
    /// Threads per matmul workgroup (the shader's `WG_X`): each owns 4 (or 8 with vec4)
    /// columns of an 8-row tile.
    pub matmul_wg_x: u32,
    /// Compile shaders without wgpu's per-access bounds checks. Every launcher validates
    /// lengths and every kernel clamps or guards its indices (the tests run odd shapes,
    /// also under the validation layer). Only where it was measured to pay, all through
    /// Vulkan: llvmpipe (about 20 % in matmul), SwiftShader (seed CNN 593 → 478 ms/step)
    /// and NVIDIA (H100: seed CNN 41.6 → 7.7 ms/step, matmul 1024³ 0.9 → 14 TFLOP/s).
    /// Every other adapter keeps wgpu's checks (llvmpipe through GL: no difference).
    /// `WGTRAIN_CHECKED_SHADERS=1` keeps the checks everywhere, `=0` drops them everywhere
    /// (to measure).
    pub unchecked_shaders: bool,
    /// Which matmul kernel each (layout, size class) runs: the measured defaults, or what
    /// the autotune picked on this adapter (`autotune.rs`).
    pub matmul: MatmulTable,
    /// Matmuls whose inner dimension k is longer than this are split into chunks reduced
    /// in parallel, then added in a fixed order (`shape::split_k_chunk`,
    /// `matmul_split.wgsl`), on every kernel family, so the autotune never changes a
    /// result. GPUs: 256, so no thread walks a long K while SMs sit idle (the seed CNN's
    /// conv1 weight gradient, K = 21,632, ran on 3 workgroups). CPU adapters: never
    /// (`usize::MAX`): a CPU has a few cores, not 132 SMs, to fill, and llvmpipe ran the
    /// split conv1 weight gradient 3× slower than its register kernel (12.7 vs 4.4 ms per
    /// step: the 32-row tile mostly recomputes clamped rows of a 9-row result).
    /// `WGTRAIN_SPLIT_K_ABOVE` or `Gpu::set_split_k_above` override it.
    pub split_k_above: usize,
}

impl Tuning {
    /// Measured defaults for this adapter, then `WGTRAIN_MATMUL_WG_X` and
    /// `WGTRAIN_CHECKED_SHADERS` (1 or 0) from the environment.
    pub fn for_adapter(info: &GpuInfo) -> Tuning {
        // llvmpipe runs a workgroup as 8-wide SIMD lanes on one CPU thread: 8 threads
        // (one SIMD batch, 64 columns per tile) matched 16 at 512³ (12.6 GFLOP/s) and
        // doubled the seed CNN's N = 64 convolutions (5.6 → 12.2 GFLOP/s), whose columns
        // a 128-wide tile half wastes. GPUs want fuller workgroups.
        let matmul_wg_x = if info.is_cpu() { 8 } else { 64 };
        const NVIDIA: u32 = 0x10de;
        let measured_to_pay = info.backend == wgpu::Backend::Vulkan
            && (info.name.starts_with("llvmpipe")
                || info.name.starts_with("SwiftShader")
                || info.vendor == NVIDIA);
        let mut t = Tuning {
            matmul_wg_x,
            unchecked_shaders: measured_to_pay,
            matmul: MatmulTable::for_device(info.is_cpu()),
            split_k_above: if info.is_cpu() { usize::MAX } else { 256 },
        };
        // Experiments: one matmul family for every class (register, tiled64, tiled32,
        // split); an autotune or its cache may replace it (WGTRAIN_TUNE=off keeps it).
        if let Ok(v) = std::env::var("WGTRAIN_MATMUL") {
            match super::matmul_choice::MatmulKernel::from_name(v.trim()) {
                Some(kernel) => {
                    t.matmul = MatmulTable {
                        choice: [[kernel; 3]; 3],
                    }
                }
                None => eprintln!(
                    "warning: WGTRAIN_MATMUL={v:?} is not a matmul family (register, tiled64, \
                     tiled32, split); ignored"
                ),
            }
        }
        if let Ok(v) = std::env::var("WGTRAIN_SPLIT_K_ABOVE") {
            match v.trim().parse::<usize>() {
                Ok(n) => t.split_k_above = n,
                Err(_) => eprintln!(
                    "warning: WGTRAIN_SPLIT_K_ABOVE={v:?} is not a whole number of k steps \
                     (e.g. 256); ignored"
                ),
            }
        }
        if let Some(v) = std::env::var("WGTRAIN_MATMUL_WG_X")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|v| (1..=info.limits.max_compute_invocations_per_workgroup).contains(v))
        {
            t.matmul_wg_x = v;
        }
        // Experiments: 1 keeps wgpu's checks everywhere, 0 drops them everywhere.
        match std::env::var("WGTRAIN_CHECKED_SHADERS").as_deref() {
            Ok("1") => t.unchecked_shaders = false,
            Ok("0") => t.unchecked_shaders = true,
            _ => {}
        }
        t
    }
}
