//! Launcher for `shaders/rmsprop.wgsl` (CPU twin: `cpu::rmsprop`).

use super::{expect_len, grid_1d};
use crate::error::Result;
use crate::gpu::{EntryPoint, Gpu, GpuTensor};
use crate::hyperparams::RmsPropParams;

/// One RMSprop update of `param` in place from `grad`, with slots `velocity` and
/// `momentum` (same length), at the rate in `lr` `[1]` (`hp.lr` is the twin's).
pub fn rmsprop_update(
    gpu: &Gpu,
    param: &GpuTensor,
    grad: &GpuTensor,
    [velocity, momentum]: [&GpuTensor; 2],
    lr: &GpuTensor,
    hp: &RmsPropParams,
) -> Result<()> {
    let n = param.len();
    expect_len("rmsprop_update", "grad", grad, n)?;
    expect_len("rmsprop_update", "velocity", velocity, n)?;
    expect_len("rmsprop_update", "momentum", momentum, n)?;
    expect_len("rmsprop_update", "lr", lr, 1)?;
    gpu.dispatch(
        EntryPoint::RmspropUpdate,
        &[
            n as u32,
            hp.rho.to_bits(),
            hp.momentum.to_bits(),
            hp.eps.to_bits(),
        ],
        &[param, grad, velocity, momentum, lr],
        grid_1d(gpu, n, 256),
    )
}
