//! The model's size, checked before anything is allocated: weights, gradients and
//! optimizer slots when it is compiled, and for a batch the inputs, outputs and scratch of
//! every layer. Each tensor must fit one buffer binding of the adapter (GPU device) and
//! the whole must fit the host's available memory (CPU device; on the GPU device the
//! host holds only one parameter at a time, while it is initialised). Sizes are `u128`
//! with checked arithmetic; errors name the layer, the tensor, its shape and the bytes.

use super::layer::Layer;
use super::sequential::{ParamTally, Sequential};
use crate::error::{Error, Result};
use crate::memory::{check_host, product};
use crate::nn::device::Device;
use crate::nn::model::fusion::backward_bits;

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
            crate::nn::training::optimizer::OptimizerState::slot_names(&c.optimizer).len()
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
                Err(Error::TooLarge { .. } | Error::TooManyWorkgroups { .. }) if batch > 1 => {
                    batch = batch.div_ceil(2)
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Weights, their gradients and `slots` optimizer slots per weight.
    pub(super) fn check_params_fit(&self, slots: usize) -> Result<()> {
        let t = &self.tally;
        tally_fits(self.device(), "the model", t, slots, self.built_bytes())
    }

    /// Bytes of weights already allocated (all of them once built, else none): they are
    /// in the host's use already, so the checks count only what is still to come.
    fn built_bytes(&self) -> u128 {
        if self.is_built() {
            self.tally.bytes
        } else {
            0
        }
    }

    /// The model's weight sizes with layer `i`'s added, checked to fit (each weight one
    /// binding, all of them, with their gradients, the host's memory) before anything of
    /// the layer is allocated.
    pub(super) fn tally_with(&self, i: usize, l: &dyn Layer) -> Result<ParamTally> {
        let dev = self.device();
        let mut t = self.tally.clone();
        for (name, shape) in l.param_shapes() {
            let what = format!("layer {i} ({}) {name} {shape:?}", l.kind());
            let bytes = fits_binding(dev, &what, &shape, PARAMS_FIX)?;
            t.bytes = t.bytes.saturating_add(bytes);
            if bytes > t.largest.0 {
                t.largest = (bytes, what);
            }
        }
        t.count = t.count.saturating_add(l.param_count());
        let subject = format!("the model with layer {i} ({}) added", l.kind());
        tally_fits(dev, &subject, &t, 0, self.built_bytes())?;
        Ok(t)
    }

    /// Inputs, outputs and scratch of every layer for `batch` samples.
    pub(super) fn check_batch_fits(&self, batch: usize) -> Result<()> {
        let dev = self.device();
        let fix = "use a smaller batch (FitOptions::batch_size) or a smaller model";
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
        if let Device::Gpu(g) = dev {
            // The first trainable layer computes no input gradient (nothing before it
            // needs one), as `train_step` runs it.
            let bits = backward_bits(&self.layer_facts());
            for (i, (l, (_, input_grad))) in self.layers.iter().zip(bits).enumerate() {
                check_grid(g, (i, l.as_ref()), &self.shapes[i], batch, input_grad)?;
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

/// Weights of the sizes `t`, their gradients and `slots` optimizer slots per weight must
/// fit the host: all of them on the CPU device (less the `built` bytes of values already
/// allocated), the largest (drawn on the host before its upload) on the GPU device.
fn tally_fits(
    dev: &Device,
    subject: &str,
    t: &ParamTally,
    slots: usize,
    built: u128,
) -> Result<()> {
    let copies = 2 + slots as u128; // value, gradient, optimizer slots
    let host = match dev {
        Device::Cpu => t.bytes.saturating_mul(copies).saturating_sub(built),
        // Initial values are drawn on the host one tensor at a time.
        Device::Gpu(_) => t.largest.0,
    };
    check_host(
        format_args!(
            "{subject} ({} parameters with their gradients and optimizer state; the \
             largest tensor is {})",
            t.count, t.largest.1
        ),
        host,
        PARAMS_FIX,
    )
}

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

/// A Dense or Conv2D layer's matmuls (forward, input gradient, weight gradient with the
/// bias gradient) must fit the adapter's workgroups per dimension. A dimension driven by
/// the batch is `Error::TooManyWorkgroups` (a smaller batch fixes it; evaluation halves
/// its batch); one driven by the layer's sizes is an error naming the layer, its sizes
/// and what fixes it.
fn check_grid(
    g: &crate::gpu::Gpu,
    (i, l): (usize, &dyn crate::nn::model::layer::Layer),
    out: &[usize],
    batch: usize,
    input_grad: bool,
) -> Result<()> {
    use crate::shape::Layout::{NN, NT, TN};
    let Some((_, kernel)) = l.param_shapes().into_iter().find(|(n, _)| *n == "kernel") else {
        return Ok(());
    };
    // C's rows driven by the batch (p), the layer's inputs per output (q) and outputs (f),
    // and what shrinks q.
    let (p, q, f, inner_fix) = match (kernel.as_slice(), out) {
        ([inputs, units], _) => (
            batch,
            *inputs,
            *units,
            format!(
                "it takes {inputs} inputs; add a MaxPooling2D, or a Conv2D with strides, \
                 before the Flatten to make its input smaller, or use Device::Cpu"
            ),
        ),
        ([kh, kw, cin, filters], [oh, ow, _]) => (
            batch.saturating_mul(oh * ow),
            kh * kw * cin,
            *filters,
            format!(
                "its {kh}×{kw} kernel over {cin} channels is {} values per output; use a \
                 smaller kernel or fewer input channels, or Device::Cpu",
                kh * kw * cin
            ),
        ),
        _ => return Ok(()),
    };
    let products = [
        ("forward", (p, f, q), NN, false),
        ("input gradient", (p, q, f), NT, false),
        ("weight gradient", (q, f, p), TN, true),
    ];
    let limit = g.info().limits.max_compute_workgroups_per_dimension;
    for (what, (m, n, k), layout, bias) in products {
        if what == "input gradient" && !input_grad {
            continue;
        }
        let grid = crate::ops::matmul_grid::matmul_grid(g, (m, n, k), layout, bias);
        let Some(d) = (0..3).find(|&d| grid[d] > limit as u64) else {
            continue;
        };
        // y runs over C's rows (m), x over its columns (n), z over k's chunks.
        let driver = if d == 1 { m } else { n };
        if driver == p && p != q {
            // The batch (times the feature map's positions) drives it.
            return Err(Error::TooManyWorkgroups {
                kernel: "matmul",
                groups: grid[d],
                limit,
            });
        }
        let sizes = if driver == q {
            inner_fix.clone()
        } else {
            format!("it has {f} outputs; use fewer, or Device::Cpu")
        };
        return Err(Error::Model(format!(
            "layer {i} ({}): its {what} ({layout:?} matmul of [{m}, {n}] over {k}) needs {} \
             workgroups in one dimension, over the limit of {limit} of {}; {sizes}",
            l.kind(),
            grid[d],
            g.info().name
        )));
    }
    Ok(())
}
