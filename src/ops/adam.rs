//! Launcher for `shaders/adam.wgsl` (CPU twin: `cpu::adam`).

use super::{expect_len, grid_1d};
use crate::cpu::AdamParams;
use crate::error::Result;
use crate::gpu::{EntryPoint, Gpu, GpuTensor};

/// One Adam update of `param` in place from `grad`, with moments `m`, `v` (same length)
/// and the step counter `step` (already advanced by `counter_step`), at the rate in
/// `lr` [1] (`hp.lr` is the twin's; the kernel reads the tensor).
pub fn adam_update(
    gpu: &Gpu,
    param: &GpuTensor,
    grad: &GpuTensor,
    [m, v]: [&GpuTensor; 2],
    [step, lr]: [&GpuTensor; 2],
    hp: &AdamParams,
) -> Result<()> {
    let n = param.len();
    expect_len("adam_update", "grad", grad, n)?;
    expect_len("adam_update", "m", m, n)?;
    expect_len("adam_update", "v", v, n)?;
    expect_len("adam_update", "step", step, 1)?;
    expect_len("adam_update", "lr", lr, 1)?;
    gpu.dispatch(
        EntryPoint::AdamUpdate,
        &[
            n as u32,
            hp.beta1.to_bits(),
            hp.beta2.to_bits(),
            hp.eps.to_bits(),
        ],
        &[
            &param.buffer,
            &grad.buffer,
            &m.buffer,
            &v.buffer,
            &step.buffer,
            &lr.buffer,
        ],
        grid_1d(gpu, n, 256),
    )
}
