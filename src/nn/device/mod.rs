//! `Device`: where a model runs — a GPU (`Gpu`, the WGSL kernels; `gpu.rs`) or the CPU
//! reference device (the plain-Rust twins in `crate::cpu`; `cpu.rs`). Both implement
//! [`DeviceOps`], one method per op named like its launcher and twin, so a layer is
//! written once and the two devices run exactly the same algorithm. `Device` derefs to
//! the implementation, so `device.matmul(…)` calls whichever it is.

mod cpu;
mod cpu_checks;
mod cpu_layers;
mod cpu_training;
mod gpu;
mod gpu_layers;
mod gpu_training;
mod layer_ops;
pub(crate) mod tensor;
mod training;

use std::sync::Arc;

use super::Activation;
use crate::cpu::BatchNormParams;
use crate::error::Result;
use crate::geometry::Pad2dGeometry;
use crate::geometry::{Conv2dGeometry, Pool2dGeometry};
use crate::gpu::{Gpu, Unary};
use crate::nn::device::tensor::Tensor;
use crate::ops::GlobalPool;
use crate::shape::Layout;

pub use cpu::CpuDevice;
pub use layer_ops::LayerOps;
pub use training::TrainingOps;

/// Which device to build a model on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    /// The GPU chosen by `WGTRAIN_BACKEND` / `WGTRAIN_ADAPTER`, or the fastest one.
    Gpu,
    /// The CPU reference device (the kernels' CPU twins; slow, exact).
    Cpu,
}

impl std::str::FromStr for DeviceKind {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "gpu" => Ok(DeviceKind::Gpu),
            "cpu" => Ok(DeviceKind::Cpu),
            other => Err(crate::Error::BadSetting {
                name: "device",
                value: other.to_string(),
                reason: "use gpu or cpu".into(),
            }),
        }
    }
}

/// Values on their way back from the device ([`DeviceOps::read_async`]).
pub enum PendingValues {
    /// A read from the GPU still in flight (`None` once taken).
    Gpu(Option<crate::gpu::PendingRead>),
    /// Values already on the host (CPU device; `None` once taken).
    Ready(Option<Vec<f32>>),
}

/// Which rows one batch gathers: `order[cursor · batch_size + r]` for r < `rows`.
#[derive(Clone, Copy)]
pub struct BatchAt<'a> {
    /// u32 sample numbers, e.g. one epoch's shuffled order.
    pub order: &'a Tensor,
    /// One u32: the batch number, advanced on the device after each batch.
    pub cursor: &'a Tensor,
    /// Rows between consecutive cursor values.
    pub batch_size: usize,
    /// Rows in this batch (the last batch may be short).
    pub rows: usize,
}

/// A dataset stored as byte codes (4 per u32) of `n_samples` samples of `sample_shape`,
/// decoded through a ≤ 256-entry f32 `palette`.
#[derive(Clone, Copy)]
pub struct ByteCodes<'a> {
    /// The codes, 4 per u32, first code in the lowest byte.
    pub codes: &'a Tensor,
    /// The f32 value of each code (at most 256).
    pub palette: &'a Tensor,
    /// Samples in the dataset.
    pub n_samples: usize,
    /// The shape of one sample.
    pub sample_shape: &'a [usize],
}

/// Every op a layer, loss, optimizer or data feed needs, implemented once per device.
/// Tensors are the device's own; one from the other device is `Error::WrongTensor`.
pub trait DeviceOps: TrainingOps + LayerOps + Send + Sync {
    /// A new f32 tensor holding `data`.
    fn upload(&self, shape: &[usize], data: &[f32]) -> Result<Tensor>;
    /// A new u32 tensor (indices, counters, packed byte codes).
    fn upload_u32(&self, shape: &[usize], data: &[u32]) -> Result<Tensor>;
    /// Replace an f32 tensor's contents (same size).
    fn write(&self, t: &mut Tensor, data: &[f32]) -> Result<()>;
    /// Replace a u32 tensor's contents (same size).
    fn write_u32(&self, t: &mut Tensor, data: &[u32]) -> Result<()>;
    /// A zero-filled f32 tensor.
    fn zeros(&self, shape: &[usize]) -> Result<Tensor>;
    /// A one-element u32 counter starting at 0.
    fn counter(&self) -> Result<Tensor> {
        self.upload_u32(&[1], &[0])
    }
    /// Add one to a counter (on the GPU, without a readback).
    fn counter_step(&self, count: &mut Tensor) -> Result<()>;
    /// Read a tensor back (on the GPU: submits recorded work and waits).
    fn download(&self, t: &Tensor) -> Result<Vec<f32>>;
    /// Read a u32 tensor back.
    fn download_u32(&self, t: &Tensor) -> Result<Vec<u32>>;
    /// Start reading small f32 tensors back without stalling the GPU.
    fn read_async(&self, ts: &[&Tensor]) -> Result<PendingValues>;
    /// The values of a `read_async` once they are there (once).
    fn poll_read(&self, p: &mut PendingValues) -> Result<Option<Vec<f32>>>;
    /// Like `poll_read`, waiting for the values.
    fn wait_read(&self, p: &mut PendingValues) -> Result<Option<Vec<f32>>>;
    /// Submit recorded work (no wait); nothing on the CPU.
    fn flush(&self) {}

    /// Batch rows of f32 samples `src` [n, sample…] → [rows, sample…].
    fn gather(&self, src: &Tensor, at: BatchAt) -> Result<Tensor>;
    /// Batch rows decoded from byte codes → [rows, sample…].
    fn gather_u8(&self, data: ByteCodes, at: BatchAt) -> Result<Tensor>;
    /// `c[m,n]` = op(a)·op(b) (+ bias) (ReLU), matrices over the last axis.
    fn matmul(
        &self,
        a: &Tensor,
        b: &Tensor,
        bias: Option<&Tensor>,
        layout: Layout,
        relu: bool,
    ) -> Result<Tensor>;
    /// Like `matmul` (no bias, no ReLU) into an existing `out` of m·n elements.
    fn matmul_into(&self, a: &Tensor, b: &Tensor, layout: Layout, out: &mut Tensor) -> Result<()> {
        let c = self.matmul(a, b, None, layout, false)?;
        self.copy(&c, out)
    }
    /// `dy[rows, cols]` → `db[cols]` (column sums).
    fn bias_backward(&self, dy: &Tensor) -> Result<Tensor>;
    /// Like `bias_backward` into an existing `out` `[cols]`.
    fn bias_backward_into(&self, dy: &Tensor, out: &mut Tensor) -> Result<()> {
        let db = self.bias_backward(dy)?;
        self.copy(&db, out)
    }
    /// An affine layer's weight gradients into existing tensors: dw = xᵀ·dz (TN) and
    /// db = Σ_rows dz (on the GPU one dispatch, `ops::matmul_tn_bias_grad_into`).
    fn weight_gradients_into(
        &self,
        x: &Tensor,
        dz: &Tensor,
        dw: &mut Tensor,
        db: &mut Tensor,
    ) -> Result<()> {
        self.matmul_into(x, dz, Layout::TN, dw)?;
        self.bias_backward_into(dz, db)
    }
    /// Tensors of `shapes` as ranges of one zeroed buffer (`Gpu::arena`), so one update
    /// dispatch covers them all; `None` where the device keeps tensors apart (the CPU) or
    /// they do not fit one binding.
    fn arena(&self, _shapes: &[Vec<usize>]) -> Result<Option<(Tensor, Vec<Tensor>)>> {
        Ok(None)
    }
    /// dst ← src (same element count), in order with recorded work.
    fn copy(&self, src: &Tensor, dst: &mut Tensor) -> Result<()>;
    /// y = op(x) elementwise (with the op's default parameter).
    fn unary_forward(&self, op: Unary, x: &Tensor) -> Result<Tensor> {
        self.unary_forward_with(op, x, op.default_alpha())
    }
    /// dx from `saved` (x or y, as `op.saved()` says) and dy.
    fn unary_backward(&self, op: Unary, saved: &Tensor, dy: &Tensor) -> Result<Tensor> {
        self.unary_backward_with(op, saved, dy, op.default_alpha())
    }
    /// y = op(x) with the op's parameter `alpha` (leaky_relu's negative slope).
    fn unary_forward_with(&self, op: Unary, x: &Tensor, alpha: f32) -> Result<Tensor>;
    /// dx with the op's parameter `alpha`.
    fn unary_backward_with(
        &self,
        op: Unary,
        saved: &Tensor,
        dy: &Tensor,
        alpha: f32,
    ) -> Result<Tensor>;
    /// Row softmax over the last axis.
    fn softmax_forward(&self, x: &Tensor) -> Result<Tensor>;
    /// dx = y ⊙ (dy − Σ dy·y) per row.
    fn softmax_backward(&self, y: &Tensor, dy: &Tensor) -> Result<Tensor>;
    /// `x[n,h,w,c]` → `cols[n·oh·ow, kh·kw·c]`.
    fn im2col_forward(&self, x: &Tensor, geo: &Conv2dGeometry) -> Result<Tensor>;
    /// dcols → `dx[n,h,w,c]` (col2im).
    fn im2col_backward(&self, dcols: &Tensor, geo: &Conv2dGeometry) -> Result<Tensor>;
    /// `x[n,h,w,c]` → (`y[n,oh,ow,c]`, argmax).
    fn maxpool_forward(&self, x: &Tensor, geo: &Pool2dGeometry) -> Result<(Tensor, Tensor)>;
    /// `dy[n,oh,ow,c]` → `dx[n,h,w,c]` through the recorded argmax.
    fn maxpool_backward(
        &self,
        dy: &Tensor,
        argmax: &Tensor,
        geo: &Pool2dGeometry,
    ) -> Result<Tensor>;
    /// Whether models on this device fuse work into fewer dispatches (`Gpu::set_fused`);
    /// the CPU device runs every op on its own.
    fn fuses(&self) -> bool {
        false
    }
    /// `maxpool_backward` times the ReLU derivative of the layer before: dx · `[x > 0]`, x
    /// the pool's input (one dispatch on the GPU, the same bits).
    fn maxpool_backward_masked(
        &self,
        dy: &Tensor,
        argmax: &Tensor,
        geo: &Pool2dGeometry,
        x: &Tensor,
    ) -> Result<Tensor> {
        let dx = self.maxpool_backward(dy, argmax, geo)?;
        self.unary_backward(Unary::Relu, x, &dx)
    }
    /// `dz[m,n]`·`w[k,n]`ᵀ times the ReLU derivative of the layer before: · `[x > 0]`, `x[m,k]`
    /// the layer's input (one dispatch on the GPU, the same bits).
    fn matmul_nt_relu_masked(&self, dz: &Tensor, w: &Tensor, x: &Tensor) -> Result<Tensor> {
        let dx = self.matmul(dz, w, None, Layout::NT, false)?;
        let mask = x.reshape(dx.shape());
        self.unary_backward(Unary::Relu, &mask, &dx)
    }
    /// `x[n,h,w,c]` → `y[n,oh,ow,c]`, window means.
    fn avgpool_forward(&self, x: &Tensor, geo: &Pool2dGeometry) -> Result<Tensor>;
    /// `dy[n,oh,ow,c]` → `dx[n,h,w,c]`.
    fn avgpool_backward(&self, dy: &Tensor, geo: &Pool2dGeometry) -> Result<Tensor>;
    /// `x[n,h,w,c]` → (`y[n,c]`, the argmax for `Max`).
    fn global_pool_forward(&self, pool: GlobalPool, x: &Tensor)
        -> Result<(Tensor, Option<Tensor>)>;
    /// `dy[n,c]` → dx shaped `x_shape` `[n,h,w,c]` (through `argmax` for `Max`).
    fn global_pool_backward(
        &self,
        pool: GlobalPool,
        dy: &Tensor,
        argmax: Option<&Tensor>,
        x_shape: &[usize],
    ) -> Result<Tensor>;
    /// `x[.., c]` → `stats[2, c]` (batch mean, 1/√(var + ε)); `moving` (mean, variance) `[c]`
    /// move toward the batch's.
    fn batch_norm_statistics(
        &self,
        x: &Tensor,
        moving: [&mut Tensor; 2],
        hp: &BatchNormParams,
    ) -> Result<Tensor>;
    /// y = γ·(x − mean)·inv_std + β with the batch's stats.
    fn batch_norm_forward(
        &self,
        x: &Tensor,
        stats: &Tensor,
        gamma: &Tensor,
        beta: &Tensor,
    ) -> Result<Tensor>;
    /// The same with the moving (mean, variance) and ε (inference).
    fn batch_norm_inference_forward(
        &self,
        x: &Tensor,
        moving: [&Tensor; 2],
        gamma: &Tensor,
        beta: &Tensor,
        epsilon: f32,
    ) -> Result<Tensor>;
    /// → (dx if `need_dx`, `dgamma[c]`, `dbeta[c]`) of the training forward.
    fn batch_norm_backward(
        &self,
        x: &Tensor,
        dy: &Tensor,
        stats: &Tensor,
        gamma: &Tensor,
        need_dx: bool,
    ) -> Result<(Option<Tensor>, Tensor, Tensor)>;
    /// Inverted dropout at the counter's current value → (y, mask).
    fn dropout_forward(
        &self,
        x: &Tensor,
        step: &Tensor,
        rate: f32,
        seed: u32,
    ) -> Result<(Tensor, Tensor)>;
    /// dx = dy · mask.
    fn dropout_backward(&self, dy: &Tensor, mask: &Tensor) -> Result<Tensor>;

    /// y = x·scale + offset, elementwise (Keras's Rescaling).
    fn rescale_forward(&self, x: &Tensor, scale: f32, offset: f32) -> Result<Tensor>;

    /// dx = dy·scale, elementwise.
    fn rescale_backward(&self, dy: &Tensor, scale: f32) -> Result<Tensor>;

    /// Zero padding of an NHWC batch (Keras's ZeroPadding2D).
    fn pad2d_forward(&self, x: &Tensor, geo: &Pad2dGeometry) -> Result<Tensor>;

    /// Its backward: the crop of dy over the input.
    fn pad2d_backward(&self, dy: &Tensor, geo: &Pad2dGeometry) -> Result<Tensor>;
}

/// A model's compute device. Cloning shares the GPU.
#[derive(Clone)]
pub enum Device {
    /// A wgpu device, through wgtrain's GPU runtime.
    Gpu(Arc<Gpu>),
    /// The plain-Rust CPU twins.
    Cpu,
}

impl std::ops::Deref for Device {
    type Target = dyn DeviceOps;
    fn deref(&self) -> &(dyn DeviceOps + 'static) {
        match self {
            Device::Gpu(g) => &**g,
            Device::Cpu => &CpuDevice,
        }
    }
}

impl Device {
    /// Open `device` (for the GPU, the adapter picked by the environment).
    pub fn new(device: DeviceKind) -> Result<Device> {
        Ok(match device {
            #[cfg(not(target_arch = "wasm32"))]
            DeviceKind::Gpu => Device::Gpu(Arc::new(Gpu::with_options(
                &crate::gpu::GpuOptions::from_env()?,
            )?)),
            // The browser opens its GPU only asynchronously.
            #[cfg(target_arch = "wasm32")]
            DeviceKind::Gpu => {
                return Err(crate::Error::NoAdapter {
                    detail: " synchronously in the browser; open it with \
                             Device::Gpu(Arc::new(Gpu::open_browser().await?))"
                        .into(),
                })
            }
            DeviceKind::Cpu => Device::Cpu,
        })
    }

    /// What the model runs on, for logs: the adapter name or "CPU reference".
    pub fn name(&self) -> String {
        match self {
            Device::Gpu(g) => format!("{} ({:?})", g.info().name, g.info().backend),
            Device::Cpu => "CPU reference device".to_string(),
        }
    }

    /// Why this device's adapter was chosen (none for the CPU reference device).
    pub fn chosen_because(&self) -> Option<&str> {
        self.gpu().map(Gpu::chosen_because)
    }

    /// The GPU, when this is the GPU device.
    pub fn gpu(&self) -> Option<&Gpu> {
        match self {
            Device::Gpu(g) => Some(g),
            Device::Cpu => None,
        }
    }

    /// Largest tensor, in bytes, one kernel can bind (`usize::MAX` on the CPU).
    pub fn max_binding_bytes(&self) -> usize {
        match self {
            Device::Gpu(g) => g.info().limits.max_storage_buffer_binding_size as usize,
            Device::Cpu => usize::MAX,
        }
    }

    /// y = act(x) (softmax over the last axis). `Linear` returns x itself.
    pub fn activation_forward(&self, act: Activation, x: &Tensor) -> Result<Tensor> {
        match act {
            Activation::Linear => Ok(x.clone()),
            Activation::Softmax => self.softmax_forward(x),
            other => self.unary_forward(other.unary().expect("elementwise"), x),
        }
    }

    /// dx from what the activation's backward reads (`act.saved()`: its input or output)
    /// and dy.
    pub fn activation_backward(
        &self,
        act: Activation,
        saved: &Tensor,
        dy: &Tensor,
    ) -> Result<Tensor> {
        match act {
            Activation::Linear => Ok(dy.clone()),
            Activation::Softmax => self.softmax_backward(saved, dy),
            other => self.unary_backward(other.unary().expect("elementwise"), saved, dy),
        }
    }
}
