//! Launcher for `shaders/counter.wgsl` (CPU twin: `cpu::counter`).

use crate::error::{shape_err, Result};
use crate::gpu::{DType, EntryPoint, Gpu, GpuTensor};

/// Add one to the GPU-resident counter `count` (a one-element u32 tensor), without a
/// readback: Adam's step, the Dropout step, the data cursor.
pub fn counter_step(gpu: &Gpu, count: &GpuTensor) -> Result<()> {
    if count.len() != 1 || count.dtype() != DType::U32 {
        return shape_err(
            "counter_step",
            format!("count must be one u32, got {count:?}"),
        );
    }
    gpu.dispatch(EntryPoint::CounterStep, &[], &[count], [1, 1, 1])
}
