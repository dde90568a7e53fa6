//! Launcher for `shaders/weight_decay.wgsl` (CPU twin: `cpu::weight_decay`).

use super::grid_1d;
use crate::error::Result;
use crate::gpu::{EntryPoint, Gpu, GpuTensor};

/// param ← param − param·wd·lr, in place.
pub fn weight_decay_update(gpu: &Gpu, param: &GpuTensor, wd: f32, lr: f32) -> Result<()> {
    gpu.dispatch(
        EntryPoint::WeightDecayUpdate,
        &[param.len() as u32, wd.to_bits(), lr.to_bits()],
        &[&param.buffer],
        grid_1d(gpu, param.len(), 256),
    )
}
