//! The model's size, checked before anything is allocated: weights, gradients and
//! optimizer slots when it is compiled, and for a batch the inputs, outputs and scratch of
//! every layer. Each tensor must fit one buffer binding of the adapter (GPU device) and
//! the whole must fit the host's available memory (CPU device; on the GPU device the
//! host holds only one parameter at a time, while it is initialised). Sizes are `u128`
//! with checked arithmetic; errors name the layer, the tensor, its shape and the bytes.

use super::device::Device;
use super::sequential::Sequential;
use crate::error::{Error, Result};
use crate::memory::{check_host, product};

/// Bytes of an f32 tensor of `dims` (`u128::MAX` when even that overflows).
fn f32_bytes(dims: &[usize]) -> u128 {
    product(dims)
        .and_then(|n| n.checked_mul(4))
        .unwrap_or(u128::MAX)
}

/// `batch` samples of per-sample shape `dims`.
fn batched(batch: usize, dims: &[usize]) -> Vec<usize> {
    let mut v = vec![batch];
    v.extend_from_slice(dims);
    v
}

impl Sequential {
    /// Check that the model, compiled, and one training step on a batch of `batch`
    /// samples fit this device: every tensor within the adapter's largest buffer binding,
    /// and everything within the host's available memory. Call it before loading data to
    /// fail fast; `compile` and `fit` / `evaluate` / `predict` call it themselves.
    pub fn check_fits(&self, batch: usize) -> Result<()> {
        let slots = self.compiled.as_ref().map_or(2, |c| {
            super::optimizer::OptimizerState::slot_names(&c.optimizer).len()
        });
        self.check_params_fit(slots)?;
        self.check_batch_fits(batch)
    }

    /// The batch evaluate, predict and validation use for `rows` samples: the model's
    /// evaluation batch (256) or fewer rows, halved until a batch fits the device (a large
    /// CNN's im2col columns for 256 images can exceed a binding that its training batch
    /// fits). Errors when even one sample does not fit.
    pub(super) fn eval_batch(&self, rows: usize) -> Result<usize> {
        let mut batch = self.eval_batch_size.min(rows).max(1);
        loop {
            match self.check_batch_fits(batch) {
                Ok(()) => return Ok(batch),
                Err(Error::TooLarge { .. }) if batch > 1 => batch = batch.div_ceil(2),
                Err(e) => return Err(e),
            }
        }
    }

    /// Weights, their gradients and `slots` optimizer slots per weight.
    pub(super) fn check_params_fit(&self, slots: usize) -> Result<()> {
        let dev = self.device();
        let mut total = 0u128;
        let mut largest = 0u128;
        let mut largest_what = String::new();
        for (i, l) in self.layers.iter().enumerate() {
            for (name, shape) in l.param_shapes() {
                let what = format!("layer {i} ({}) {name} {shape:?}", l.kind());
                let bytes = fits_binding(dev, &what, &shape, PARAMS_FIX)?;
                total = total.saturating_add(bytes);
                if bytes > largest {
                    (largest, largest_what) = (bytes, what);
                }
            }
        }
        let copies = 2 + slots as u128; // value, gradient, optimizer slots
        let host = match dev {
            Device::Cpu => total.saturating_mul(copies),
            // Initial values are drawn on the host one tensor at a time.
            Device::Gpu(_) => largest,
        };
        check_host(
            format_args!(
                "the model ({} parameters with their gradients and optimizer state; the \
                 largest tensor is {largest_what})",
                self.count_params()
            ),
            host,
            PARAMS_FIX,
        )
    }

    /// Inputs, outputs and scratch of every layer for `batch` samples.
    pub(super) fn check_batch_fits(&self, batch: usize) -> Result<()> {
        let dev = self.device();
        let fix = "use a smaller batch (--batch-size) or a smaller model";
        let input = batched(batch, self.input_shape());
        let what = format!("a batch of {batch} inputs {input:?}");
        let mut total = fits_binding(dev, &what, &input, fix)?;
        let mut scratch = 0u128;
        for (i, l) in self.layers.iter().enumerate() {
            let out = batched(batch, &self.shapes[i]);
            let what = format!(
                "layer {i} ({}) output for a batch of {batch} {out:?}",
                l.kind()
            );
            // The output, its cached copy for backward and its gradient.
            let bytes = fits_binding(dev, &what, &out, fix)?;
            total = total.saturating_add(bytes.saturating_mul(3));
            for (name, mut dims) in l.scratch_shapes() {
                if let Some(first) = dims.first_mut() {
                    *first = first.saturating_mul(batch);
                }
                let what = format!(
                    "layer {i} ({}) {name} for a batch of {batch} {dims:?}",
                    l.kind()
                );
                scratch = scratch.saturating_add(fits_binding(dev, &what, &dims, fix)?);
            }
        }
        if let Device::Cpu = dev {
            check_host(
                format_args!("one step on a batch of {batch} (activations and scratch)"),
                total.saturating_add(scratch),
                fix,
            )?;
        }
        Ok(())
    }
}

const PARAMS_FIX: &str = "use fewer units or filters, or a smaller input";

/// The bytes of an f32 tensor `what` of `dims`; on the GPU device they must fit one
/// storage-buffer binding.
fn fits_binding(dev: &Device, what: &str, dims: &[usize], fix: &str) -> Result<u128> {
    let bytes = f32_bytes(dims);
    let Device::Gpu(g) = dev else {
        return Ok(bytes);
    };
    let l = &g.info().limits;
    let limit = l.max_storage_buffer_binding_size.min(l.max_buffer_size) as u128;
    if bytes > limit {
        return Err(Error::TooLarge {
            what: what.to_string(),
            bytes,
            limit,
            limit_name: format!("the largest buffer binding of {}", g.info().name),
            fix: fix.into(),
        });
    }
    Ok(bytes)
}
