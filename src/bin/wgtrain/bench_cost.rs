//! `wgtrain bench`'s GPU cost model of a training step: the dispatches one steady-state
//! step records on a discrete GPU (wgpu's no-op backend reporting one, so no GPU is
//! needed), summarised by `gpu::cost` for the model H100: the longest serial loop, the
//! serial trips summed, the workgroups of deep dispatches, the share of launched threads
//! with output, and the estimated step time.

use std::sync::Arc;

use wgtrain::gpu::cost::{self, CostSummary, DispatchRecord, H100};
use wgtrain::nn::Array;
use wgtrain::nn::{Device, Sequential};
use wgtrain::{gpu::Gpu, Result};

/// The dispatches of one training step (batch 32) of the model `build` makes (compiled)
/// on `gpu` (`Sequential::trace_training_step`).
pub fn step_dispatches(
    gpu: &Arc<Gpu>,
    build: impl Fn(&Device) -> Result<Sequential>,
    (x, y): (&Array, &Array),
) -> Result<Vec<DispatchRecord>> {
    build(&Device::Gpu(gpu.clone()))?.trace_training_step(x, y, 32)
}

/// The model's five cost figures as bench keys (`<model>_max_serial_trips`, …), and the
/// per-dispatch table when `table` is asked for.
pub fn report(
    model: &str,
    records: &[DispatchRecord],
    table: bool,
    say: &mut impl FnMut(&str, String, String),
) -> CostSummary {
    let s = H100.summarize(records);
    say(
        &format!("{model}_max_serial_trips"),
        s.max_serial_trips.to_string(),
        format!("  {model} on a discrete GPU ({}): {}", H100.name, s.line()),
    );
    say(
        &format!("{model}_sum_serial_trips"),
        s.sum_serial_trips.to_string(),
        String::new(),
    );
    say(
        &format!("{model}_min_deep_workgroups"),
        s.min_deep_workgroups
            .map_or("null".into(), |w| w.to_string()),
        String::new(),
    );
    say(
        &format!("{model}_useful_thread_share"),
        format!("{:.4}", s.useful_thread_share),
        String::new(),
    );
    say(
        &format!("{model}_est_gpu_us"),
        format!("{:.1}", s.est_gpu_us),
        String::new(),
    );
    if table {
        println!("{}", cost::table(&H100, records));
    }
    s
}
