//! Launcher for `shaders/adam.wgsl` (CPU twin: `cpu::adam`).

use super::{expect_len, grid_1d};
use crate::cpu::{beta_fixed, ADAM_STATE_LEN};
use crate::error::{shape_err, Result};
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};
use crate::hyperparams::{AdamParams, EpsilonForm};

/// Advance Adam's step state `state` `[3]` (u32: t and the bias corrections 1 − β^t, see
/// `cpu::adam_step`) by one step, on the GPU.
pub fn adam_step(gpu: &Gpu, state: &GpuTensor, hp: &AdamParams) -> Result<()> {
    expect_len("adam_step", "state", state, ADAM_STATE_LEN)?;
    if state.dtype() != DType::U32 {
        return shape_err("adam_step", format!("state must be u32, got {state:?}"));
    }
    let (b1, b2) = (beta_fixed(hp.beta1), beta_fixed(hp.beta2));
    let words = |b: u64| [(b >> 32) as u32, b as u32];
    let params = [words(b1), words(b2)].concat();
    gpu.dispatch(EntryPoint::AdamStep, &params, &[state], [1, 1, 1])
}

/// One Adam update of `param` in place from `grad`, with moments `m`, `v` (same length)
/// and the step state `state` `[3]` (already advanced by `adam_step`), at the rate in
/// `lr` `[1]` (`hp.lr` is the twin's; the kernel reads the tensor), with ε placed as
/// `hp.epsilon_form` says.
pub fn adam_update(
    gpu: &Gpu,
    param: &GpuTensor,
    grad: &GpuTensor,
    [m, v]: [&GpuTensor; 2],
    [state, lr]: [&GpuTensor; 2],
    hp: &AdamParams,
) -> Result<()> {
    let n = param.len();
    expect_len("adam_update", "grad", grad, n)?;
    expect_len("adam_update", "m", m, n)?;
    expect_len("adam_update", "v", v, n)?;
    expect_len("adam_update", "state", state, ADAM_STATE_LEN)?;
    expect_len("adam_update", "lr", lr, 1)?;
    gpu.dispatch(
        EntryPoint::AdamUpdate,
        &[
            n as u32,
            hp.beta1.to_bits(),
            hp.beta2.to_bits(),
            hp.eps.to_bits(),
            u32::from(hp.epsilon_form == EpsilonForm::Keras),
        ],
        &[param, grad, m, v, state, lr],
        grid_1d(gpu, n, 256),
    )
}
