//! Launcher for `shaders/sgd.wgsl` (CPU twin: `cpu::sgd`).

use super::{expect_len, grid_1d};
use crate::error::Result;
use crate::gpu::{EntryPoint, Gpu, GpuTensor};
use crate::hyperparams::SgdParams;

/// One SGD (momentum) update of `param` in place from `grad`, with `velocity` state, at
/// the rate in `lr` `[1]` (`hp.lr` is the twin's; the kernel reads the tensor).
pub fn sgd_update(
    gpu: &Gpu,
    param: &GpuTensor,
    grad: &GpuTensor,
    velocity: &GpuTensor,
    lr: &GpuTensor,
    hp: &SgdParams,
) -> Result<()> {
    let n = param.len();
    expect_len("sgd_update", "grad", grad, n)?;
    expect_len("sgd_update", "velocity", velocity, n)?;
    expect_len("sgd_update", "lr", lr, 1)?;
    gpu.dispatch(
        EntryPoint::SgdUpdate,
        &[n as u32, hp.momentum.to_bits(), hp.nesterov as u32],
        &[param, grad, velocity, lr],
        grid_1d(gpu, n, 256),
    )
}
