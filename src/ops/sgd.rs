//! Launcher for `shaders/sgd.wgsl` (CPU twin: `cpu::sgd`).

use super::{expect_len, grid_1d};
use crate::cpu::SgdParams;
use crate::error::Result;
use crate::gpu::{EntryPoint, Gpu, GpuTensor};

/// One SGD (momentum) update of `param` in place from `grad`, with `velocity` state.
pub fn sgd_update(
    gpu: &Gpu,
    param: &GpuTensor,
    grad: &GpuTensor,
    velocity: &GpuTensor,
    hp: &SgdParams,
) -> Result<()> {
    let n = param.len();
    expect_len("sgd_update", "grad", grad, n)?;
    expect_len("sgd_update", "velocity", velocity, n)?;
    gpu.dispatch(
        EntryPoint::SgdUpdate,
        &[
            n as u32,
            hp.lr.to_bits(),
            hp.momentum.to_bits(),
            hp.nesterov as u32,
        ],
        &[&param.buffer, &grad.buffer, &velocity.buffer],
        grid_1d(gpu, n, 256),
    )
}
