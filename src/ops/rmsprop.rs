//! Launcher for `shaders/rmsprop.wgsl` (CPU twin: `cpu::rmsprop`).

use super::{expect_len, grid_1d};
use crate::cpu::RmsPropParams;
use crate::error::Result;
use crate::gpu::{EntryPoint, Gpu, GpuTensor};

/// One RMSprop update of `param` in place from `grad`, with slots `velocity` and
/// `momentum` (same length).
pub fn rmsprop_update(
    gpu: &Gpu,
    param: &GpuTensor,
    grad: &GpuTensor,
    velocity: &GpuTensor,
    momentum: &GpuTensor,
    hp: &RmsPropParams,
) -> Result<()> {
    let n = param.len();
    expect_len("rmsprop_update", "grad", grad, n)?;
    expect_len("rmsprop_update", "velocity", velocity, n)?;
    expect_len("rmsprop_update", "momentum", momentum, n)?;
    gpu.dispatch(
        EntryPoint::RmspropUpdate,
        &[
            n as u32,
            hp.lr.to_bits(),
            hp.rho.to_bits(),
            hp.momentum.to_bits(),
            hp.eps.to_bits(),
        ],
        &[
            &param.buffer,
            &grad.buffer,
            &velocity.buffer,
            &momentum.buffer,
        ],
        grid_1d(gpu, n, 256),
    )
}
