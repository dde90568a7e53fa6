//! Launcher for `shaders/lr_schedule.wgsl` (CPU twin: `cpu::lr_schedule_forward`): a
//! schedule's rate for this update, from the device's step counter into a one-element
//! tensor the optimizer kernels read.

use super::expect_len;
use crate::error::Result;
use crate::gpu::{EntryPoint, Gpu, GpuTensor};
use crate::hyperparams::LearningRateSchedule;

/// What the kernel's `table` holds: PiecewiseConstantDecay's boundaries (clamped to the
/// u32 step counter) then its values' bits; one unused entry for the other schedules.
/// Upload it once per schedule, not per step.
pub fn lr_schedule_table(s: &LearningRateSchedule) -> Vec<u32> {
    match s {
        LearningRateSchedule::PiecewiseConstantDecay { boundaries, values } => boundaries
            .iter()
            .map(|&b| b.min(u32::MAX as u64) as u32)
            .chain(values.iter().map(|v| v.to_bits()))
            .collect(),
        _ => vec![0],
    }
}

/// `lr[0]` ← the schedule's rate for the update the (already advanced) `step` counter
/// counts (its first word: a counter `[1]` or Adam's step state `[3]`); `table` from
/// [`lr_schedule_table`].
pub fn lr_schedule_forward(
    gpu: &Gpu,
    s: &LearningRateSchedule,
    step: &GpuTensor,
    table: &GpuTensor,
    lr: &GpuTensor,
) -> Result<()> {
    if step.is_empty() {
        expect_len("lr_schedule_forward", "step", step, 1)?;
    }
    expect_len("lr_schedule_forward", "lr", lr, 1)?;
    expect_len(
        "lr_schedule_forward",
        "table",
        table,
        lr_schedule_table(s).len(),
    )?;
    let steps = |n: u64| n.min(u32::MAX as u64) as u32;
    let params = match s {
        LearningRateSchedule::ExponentialDecay {
            initial_learning_rate,
            decay_steps,
            decay_rate,
            staircase,
        } => [
            0,
            steps(*decay_steps),
            initial_learning_rate.to_bits(),
            decay_rate.to_bits(),
            0,
            *staircase as u32,
            0,
        ],
        LearningRateSchedule::CosineDecay {
            initial_learning_rate,
            decay_steps,
            alpha,
        } => [
            1,
            steps(*decay_steps),
            initial_learning_rate.to_bits(),
            0,
            alpha.to_bits(),
            0,
            0,
        ],
        LearningRateSchedule::PiecewiseConstantDecay { boundaries, .. } => {
            [2, 1, 0, 0, 0, 0, boundaries.len() as u32]
        }
    };
    gpu.dispatch(
        EntryPoint::LrScheduleForward,
        &params,
        &[step, table, lr],
        [1, 1, 1],
    )
}
