//! Launcher for `shaders/weight_decay.wgsl` (CPU twin: `cpu::weight_decay`).

use super::{expect_len, grid_1d};
use crate::error::Result;
use crate::gpu::{EntryPoint, Gpu, GpuTensor};

/// param ← param − param·wd·lr, in place, with the rate in `lr` `[1]`.
pub fn weight_decay_update(gpu: &Gpu, param: &GpuTensor, wd: f32, lr: &GpuTensor) -> Result<()> {
    expect_len("weight_decay_update", "lr", lr, 1)?;
    gpu.dispatch(
        EntryPoint::WeightDecayUpdate,
        &[param.len() as u32, wd.to_bits()],
        &[param, lr],
        grid_1d(gpu, param.len(), 256),
    )
}
