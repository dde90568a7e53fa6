//! Launcher for `shaders/clip.wgsl` (CPU twin: `cpu::clip`).

use super::grid_1d;
use crate::error::Result;
use crate::gpu::{EntryPoint, Gpu, GpuTensor};

/// grad ← clamp(grad, −c, c), in place.
pub fn clip_value_update(gpu: &Gpu, grad: &GpuTensor, c: f32) -> Result<()> {
    gpu.dispatch(
        EntryPoint::ClipValueUpdate,
        &[grad.len() as u32, c.to_bits()],
        &[grad],
        grid_1d(gpu, grad.len(), 256),
    )
}

/// grad ← grad·c / max(‖grad‖₂, c), in place (one workgroup for the whole tensor).
pub fn clip_norm_update(gpu: &Gpu, grad: &GpuTensor, c: f32) -> Result<()> {
    gpu.dispatch(
        EntryPoint::ClipNormUpdate,
        &[grad.len() as u32, c.to_bits()],
        &[grad],
        // Two strided passes (the norm, then the scaling) around the tree.
        super::sum::one_workgroup(grad.len()).trips(2 * grad.len().div_ceil(256) as u64 + 8),
    )
}
