//! The dispatches one steady-state training step records (`gpu::cost` reads them): what
//! `wgtrain bench` and the cost-model tests measure a model's GPU shape by.

use super::{FitOptions, Sequential};
use crate::array::Array;
use crate::error::{Error, Result};
use crate::gpu::cost::DispatchRecord;
use crate::nn::{Device, Verbose};

impl Sequential {
    /// The dispatches of one training step at batch `batch` on this model's GPU, from the
    /// first `2·batch` rows of x and y: a traced one-step and two-step epoch differ by one
    /// step, and since the steps repeat, the part the longer trace adds (ending where the
    /// two traces part) is one step, perhaps rotated — the same dispatches. Trains the
    /// model on those rows (a warm-up epoch first, so pipelines and caches are built).
    pub fn trace_training_step(
        &mut self,
        x: &Array,
        y: &Array,
        batch: usize,
    ) -> Result<Vec<DispatchRecord>> {
        let Device::Gpu(gpu) = self.device().clone() else {
            return Err(Error::Unsupported {
                context: "trace_training_step".into(),
                feature: "a model on the CPU device".into(),
                reason: "dispatches exist only on a GPU (Device::Gpu)".into(),
            });
        };
        if batch == 0 || x.rows() < 2 * batch || y.rows() < 2 * batch {
            return Err(Error::ShapeMismatch {
                what: "trace_training_step: rows of x and y".into(),
                expected: format!("at least {} (two batches of {batch})", 2 * batch),
                got: format!("{} and {}", x.rows(), y.rows()),
            });
        }
        let opts = FitOptions {
            batch_size: batch,
            shuffle: false,
            verbose: Verbose::Silent,
            ..FitOptions::default()
        };
        let rows = |n: usize| (x.slice_rows(0, n), y.slice_rows(0, n));
        let (x2, y2) = rows(2 * batch);
        self.fit(&x2, &y2, &opts)?;
        let mut traced = |(x, y): (Array, Array)| -> Result<Vec<DispatchRecord>> {
            gpu.start_trace();
            let fitted = self.fit(&x, &y, &opts);
            let trace = gpu.take_trace();
            fitted.map(|_| trace)
        };
        let one = traced(rows(batch))?;
        let two = traced(rows(2 * batch))?;
        let step = two.len().saturating_sub(one.len());
        let shared = one.iter().zip(&two).take_while(|(a, b)| a == b).count();
        Ok(two[shared.saturating_sub(step)..shared.max(step)].to_vec())
    }
}
