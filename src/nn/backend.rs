//! `Backend`: where a model runs — a GPU (`Gpu`, the WGSL kernels) or the CPU reference
//! backend (the plain-Rust twins in `crate::cpu`). Every op a layer needs is one method
//! here that dispatches to the launcher or the twin of the same name, so the two backends
//! run exactly the same algorithm.

use std::sync::Arc;

use super::tensor::Tensor;
use super::Activation;
use crate::cpu::{self, AdamParams, Layout, SgdParams};
use crate::error::{shape_err, Result};
use crate::geometry::{Conv2dGeometry, Pool2dGeometry};
use crate::gpu::{Gpu, GpuOptions};
use crate::ops;

/// Which backend to build a model on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// The GPU chosen by `WGTRAIN_BACKEND` / `WGTRAIN_ADAPTER`, or the fastest one.
    Gpu,
    /// The CPU reference backend (the kernels' CPU twins; slow, exact).
    Cpu,
}

impl std::str::FromStr for Device {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "gpu" => Ok(Device::Gpu),
            "cpu" => Ok(Device::Cpu),
            other => Err(crate::Error::BadSetting {
                name: "device",
                value: other.to_string(),
                reason: "use gpu or cpu".into(),
            }),
        }
    }
}

/// Values on their way back from the backend ([`Backend::read_async`]).
pub enum PendingValues {
    Gpu(Option<crate::gpu::PendingRead>),
    Ready(Option<Vec<f32>>),
}

/// A model's compute backend. Cloning shares the GPU.
#[derive(Clone)]
pub enum Backend {
    Gpu(Arc<Gpu>),
    Cpu,
}

impl Backend {
    /// Open `device` (for the GPU, the adapter picked by the environment).
    pub fn new(device: Device) -> Result<Backend> {
        Ok(match device {
            Device::Gpu => Backend::Gpu(Arc::new(Gpu::with_options(&GpuOptions::from_env()?)?)),
            Device::Cpu => Backend::Cpu,
        })
    }

    /// What the model runs on, for logs: the adapter name or "CPU reference".
    pub fn name(&self) -> String {
        match self {
            Backend::Gpu(g) => format!("{} ({:?})", g.info().name, g.info().backend),
            Backend::Cpu => "CPU reference backend".to_string(),
        }
    }

    /// The GPU, when this is the GPU backend.
    pub fn gpu(&self) -> Option<&Gpu> {
        match self {
            Backend::Gpu(g) => Some(g),
            Backend::Cpu => None,
        }
    }

    pub fn upload(&self, shape: &[usize], data: &[f32]) -> Result<Tensor> {
        Ok(match self {
            Backend::Gpu(g) => Tensor::Gpu(g.upload(shape, data)?),
            Backend::Cpu => {
                let want: usize = shape.iter().product();
                if want != data.len() {
                    return shape_err(
                        "upload",
                        format!(
                            "shape {shape:?} holds {want} elements but {} were given",
                            data.len()
                        ),
                    );
                }
                Tensor::cpu(shape, data.to_vec())
            }
        })
    }

    /// A u32 tensor (indices, counters, packed byte codes).
    pub fn upload_u32(&self, shape: &[usize], data: &[u32]) -> Result<Tensor> {
        Ok(match self {
            Backend::Gpu(g) => Tensor::Gpu(g.upload_u32(shape, data)?),
            Backend::Cpu => {
                if shape.iter().product::<usize>() != data.len() {
                    return shape_err(
                        "upload_u32",
                        format!("shape {shape:?} does not hold {} elements", data.len()),
                    );
                }
                Tensor::CpuIndex {
                    data: Arc::new(data.to_vec()),
                    shape: shape.to_vec(),
                }
            }
        })
    }

    /// Replace a u32 tensor's contents (same size).
    pub fn write_u32(&self, t: &mut Tensor, data: &[u32]) -> Result<()> {
        match (self, t) {
            (Backend::Gpu(g), Tensor::Gpu(t)) => g.write_u32(t, data),
            (Backend::Cpu, Tensor::CpuIndex { data: d, shape }) => {
                if d.len() != data.len() {
                    return shape_err("write_u32", format!("{} values into {shape:?}", data.len()));
                }
                Arc::make_mut(d).copy_from_slice(data);
                Ok(())
            }
            _ => panic!("write_u32: not a u32 tensor of this backend"),
        }
    }

    /// Largest tensor, in bytes, one kernel can bind (`usize::MAX` on the CPU).
    pub fn max_binding_bytes(&self) -> usize {
        match self {
            Backend::Gpu(g) => g.info().limits.max_storage_buffer_binding_size as usize,
            Backend::Cpu => usize::MAX,
        }
    }

    /// Batch rows `indices[cursor·stride + r]`, r < `rows`, of f32 samples `src`
    /// ([n, sample...]).
    pub fn gather(
        &self,
        src: &Tensor,
        indices: &Tensor,
        cursor: &Tensor,
        stride: usize,
        rows: usize,
    ) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => {
                let at = batch_index(indices, cursor, stride);
                Ok(Tensor::Gpu(ops::gather_forward(g, src.g(), &at, rows)?))
            }
            Backend::Cpu => {
                let n = src.shape()[0];
                let row_len = src.len() / n.max(1);
                let out = cpu::gather_forward(
                    src.c(),
                    row_len,
                    indices.ci(),
                    cursor.ci()[0],
                    stride,
                    rows,
                );
                let mut shape = vec![rows];
                shape.extend_from_slice(&src.shape()[1..]);
                Ok(Tensor::cpu(&shape, out))
            }
        }
    }

    /// Like [`gather`](Self::gather) from byte codes (packed 4 per u32) of `n_samples`
    /// samples of `sample_shape`, decoded through `palette`.
    #[allow(clippy::too_many_arguments)]
    pub fn gather_u8(
        &self,
        codes: &Tensor,
        palette: &Tensor,
        n_samples: usize,
        sample_shape: &[usize],
        indices: &Tensor,
        cursor: &Tensor,
        stride: usize,
        rows: usize,
    ) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => {
                let at = batch_index(indices, cursor, stride);
                Ok(Tensor::Gpu(ops::gather_u8_forward(
                    g,
                    codes.g(),
                    palette.g(),
                    n_samples,
                    sample_shape,
                    &at,
                    rows,
                )?))
            }
            Backend::Cpu => {
                let row_len: usize = sample_shape.iter().product();
                let out = cpu::gather_u8_forward(
                    codes.ci(),
                    palette.c(),
                    row_len,
                    n_samples,
                    indices.ci(),
                    cursor.ci()[0],
                    stride,
                    rows,
                );
                let mut shape = vec![rows];
                shape.extend_from_slice(sample_shape);
                Ok(Tensor::cpu(&shape, out))
            }
        }
    }

    pub fn zeros(&self, shape: &[usize]) -> Result<Tensor> {
        Ok(match self {
            Backend::Gpu(g) => Tensor::Gpu(g.zeros(shape)?),
            Backend::Cpu => Tensor::cpu(shape, vec![0.0; shape.iter().product()]),
        })
    }

    /// A one-element u32 step counter starting at 0.
    pub fn counter(&self) -> Result<Tensor> {
        Ok(match self {
            Backend::Gpu(g) => Tensor::Gpu(g.upload_u32(&[1], &[0])?),
            Backend::Cpu => Tensor::CpuIndex {
                data: Arc::new(vec![0]),
                shape: vec![1],
            },
        })
    }

    /// Add one to a counter made by [`Backend::counter`] (on the GPU, without a readback).
    pub fn counter_step(&self, c: &mut Tensor) -> Result<()> {
        match self {
            Backend::Gpu(g) => ops::adam_step(g, c.g()),
            Backend::Cpu => {
                if let Tensor::CpuIndex { data, .. } = c {
                    Arc::make_mut(data)[0] += 1;
                }
                Ok(())
            }
        }
    }

    /// Read a tensor back (on the GPU: submits recorded work and waits).
    pub fn download(&self, t: &Tensor) -> Result<Vec<f32>> {
        match (self, t) {
            (Backend::Gpu(g), Tensor::Gpu(t)) => g.download(t),
            (_, Tensor::Cpu { data, .. }) => Ok(data.to_vec()),
            _ => panic!("download: tensor from the other backend"),
        }
    }

    /// Read a u32 tensor (counters, indices) back.
    pub fn download_u32(&self, t: &Tensor) -> Result<Vec<u32>> {
        match (self, t) {
            (Backend::Gpu(g), Tensor::Gpu(t)) => g.download_u32(t),
            (_, Tensor::CpuIndex { data, .. }) => Ok(data.to_vec()),
            _ => panic!("download_u32: not a u32 tensor of this backend"),
        }
    }

    /// Start reading small f32 tensors back without stalling the GPU (see
    /// [`Gpu::read_async`]); collect with [`poll_read`](Self::poll_read).
    pub fn read_async(&self, ts: &[&Tensor]) -> Result<PendingValues> {
        Ok(match self {
            Backend::Gpu(g) => {
                let gs: Vec<&crate::gpu::GpuTensor> = ts.iter().map(|t| t.g()).collect();
                PendingValues::Gpu(Some(g.read_async(&gs)?))
            }
            Backend::Cpu => {
                PendingValues::Ready(Some(ts.iter().flat_map(|t| t.c().to_vec()).collect()))
            }
        })
    }

    /// The values of a [`read_async`](Self::read_async) once they are there (once).
    pub fn poll_read(&self, p: &mut PendingValues) -> Result<Option<Vec<f32>>> {
        match (self, p) {
            (Backend::Gpu(g), PendingValues::Gpu(slot)) => g.poll_read(slot),
            (_, PendingValues::Ready(v)) => Ok(v.take()),
            _ => panic!("poll_read: read from the other backend"),
        }
    }

    /// Like [`poll_read`](Self::poll_read), waiting for the values.
    pub fn wait_read(&self, p: &mut PendingValues) -> Result<Option<Vec<f32>>> {
        match (self, p) {
            (Backend::Gpu(g), PendingValues::Gpu(slot)) => g.wait_read(slot),
            (_, PendingValues::Ready(v)) => Ok(v.take()),
            _ => panic!("wait_read: read from the other backend"),
        }
    }

    /// Replace a tensor's contents (same size).
    pub fn write(&self, t: &mut Tensor, data: &[f32]) -> Result<()> {
        match self {
            Backend::Gpu(g) => g.write(t.g(), data),
            Backend::Cpu => {
                let v = t.c_mut();
                if v.len() != data.len() {
                    return shape_err(
                        "write",
                        format!("{} values into {:?}", data.len(), t.shape()),
                    );
                }
                v.copy_from_slice(data);
                Ok(())
            }
        }
    }

    /// c[m,n] = op(a)·op(b) (+ bias) (ReLU), matrices over the last axis (see `ops::matmul`).
    pub fn matmul(
        &self,
        a: &Tensor,
        b: &Tensor,
        bias: Option<&Tensor>,
        layout: Layout,
        relu: bool,
    ) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::matmul(
                g,
                a.g(),
                b.g(),
                bias.map(Tensor::g),
                layout,
                relu,
            )?)),
            Backend::Cpu => {
                let (m, n, k) = ops::matmul_dims(a.shape(), b.shape(), layout)?;
                let c = cpu::matmul(a.c(), b.c(), bias.map(Tensor::c), m, n, k, layout, relu);
                Ok(Tensor::cpu(&[m, n], c))
            }
        }
    }

    /// dy[rows, cols] → db[cols] (column sums).
    pub fn bias_backward(&self, dy: &Tensor) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::bias_backward(g, dy.g())?)),
            Backend::Cpu => {
                let cols = *dy.shape().last().unwrap_or(&1);
                let rows = dy.len() / cols.max(1);
                Ok(Tensor::cpu(&[cols], cpu::bias_backward(dy.c(), rows, cols)))
            }
        }
    }

    /// y = act(x) (softmax over the last axis). `Linear` returns x itself.
    pub fn activation_forward(&self, act: Activation, x: &Tensor) -> Result<Tensor> {
        let shape = x.shape().to_vec();
        let cols = *shape.last().unwrap_or(&1);
        Ok(match (self, act) {
            (_, Activation::Linear) => x.clone(),
            (Backend::Gpu(g), Activation::Relu) => Tensor::Gpu(ops::relu_forward(g, x.g())?),
            (Backend::Gpu(g), Activation::Sigmoid) => Tensor::Gpu(ops::sigmoid_forward(g, x.g())?),
            (Backend::Gpu(g), Activation::Tanh) => Tensor::Gpu(ops::tanh_forward(g, x.g())?),
            (Backend::Gpu(g), Activation::Softmax) => Tensor::Gpu(ops::softmax_forward(g, x.g())?),
            (Backend::Cpu, Activation::Relu) => Tensor::cpu(&shape, cpu::relu_forward(x.c())),
            (Backend::Cpu, Activation::Sigmoid) => Tensor::cpu(&shape, cpu::sigmoid_forward(x.c())),
            (Backend::Cpu, Activation::Tanh) => Tensor::cpu(&shape, cpu::tanh_forward(x.c())),
            (Backend::Cpu, Activation::Softmax) => Tensor::cpu(
                &shape,
                cpu::softmax_forward(x.c(), x.len() / cols.max(1), cols),
            ),
        })
    }

    /// dx from the activation's output y (for ReLU, y > 0 exactly where x > 0) and dy.
    pub fn activation_backward(&self, act: Activation, y: &Tensor, dy: &Tensor) -> Result<Tensor> {
        let shape = dy.shape().to_vec();
        let cols = *shape.last().unwrap_or(&1);
        Ok(match (self, act) {
            (_, Activation::Linear) => dy.clone(),
            (Backend::Gpu(g), Activation::Relu) => {
                Tensor::Gpu(ops::relu_backward(g, y.g(), dy.g())?)
            }
            (Backend::Gpu(g), Activation::Sigmoid) => {
                Tensor::Gpu(ops::sigmoid_backward(g, y.g(), dy.g())?)
            }
            (Backend::Gpu(g), Activation::Tanh) => {
                Tensor::Gpu(ops::tanh_backward(g, y.g(), dy.g())?)
            }
            (Backend::Gpu(g), Activation::Softmax) => {
                Tensor::Gpu(ops::softmax_backward(g, y.g(), dy.g())?)
            }
            (Backend::Cpu, Activation::Relu) => {
                Tensor::cpu(&shape, cpu::relu_backward(y.c(), dy.c()))
            }
            (Backend::Cpu, Activation::Sigmoid) => {
                Tensor::cpu(&shape, cpu::sigmoid_backward(y.c(), dy.c()))
            }
            (Backend::Cpu, Activation::Tanh) => {
                Tensor::cpu(&shape, cpu::tanh_backward(y.c(), dy.c()))
            }
            (Backend::Cpu, Activation::Softmax) => Tensor::cpu(
                &shape,
                cpu::softmax_backward(y.c(), dy.c(), dy.len() / cols.max(1), cols),
            ),
        })
    }

    /// x[n,h,w,c] → cols[n·oh·ow, kh·kw·c].
    pub fn im2col_forward(&self, x: &Tensor, geo: &Conv2dGeometry) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::im2col_forward(g, x.g(), geo)?)),
            Backend::Cpu => Ok(Tensor::cpu(
                &[geo.col_rows(), geo.col_cols()],
                cpu::im2col_forward(x.c(), geo),
            )),
        }
    }

    /// dcols → dx[n,h,w,c] (col2im).
    pub fn im2col_backward(&self, dcols: &Tensor, geo: &Conv2dGeometry) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::im2col_backward(g, dcols.g(), geo)?)),
            Backend::Cpu => Ok(Tensor::cpu(
                &[geo.n, geo.h, geo.w, geo.c],
                cpu::im2col_backward(dcols.c(), geo),
            )),
        }
    }

    /// x[n,h,w,c] → (y[n,oh,ow,c], argmax).
    pub fn maxpool_forward(&self, x: &Tensor, geo: &Pool2dGeometry) -> Result<(Tensor, Tensor)> {
        match self {
            Backend::Gpu(g) => {
                let (y, a) = ops::maxpool_forward(g, x.g(), geo)?;
                Ok((Tensor::Gpu(y), Tensor::Gpu(a)))
            }
            Backend::Cpu => {
                let shape = [geo.n, geo.oh, geo.ow, geo.c];
                let (y, a) = cpu::maxpool_forward(x.c(), geo);
                Ok((
                    Tensor::cpu(&shape, y),
                    Tensor::CpuIndex {
                        data: Arc::new(a),
                        shape: shape.to_vec(),
                    },
                ))
            }
        }
    }

    /// dy[n,oh,ow,c] → dx[n,h,w,c] through the recorded argmax.
    pub fn maxpool_backward(
        &self,
        dy: &Tensor,
        argmax: &Tensor,
        geo: &Pool2dGeometry,
    ) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::maxpool_backward(
                g,
                dy.g(),
                argmax.g(),
                geo,
            )?)),
            Backend::Cpu => Ok(Tensor::cpu(
                &[geo.n, geo.h, geo.w, geo.c],
                cpu::maxpool_backward(dy.c(), argmax.ci(), geo),
            )),
        }
    }

    /// Inverted dropout at the counter's current value → (y, mask).
    pub fn dropout_forward(
        &self,
        x: &Tensor,
        step: &Tensor,
        rate: f32,
        seed: u32,
    ) -> Result<(Tensor, Tensor)> {
        match self {
            Backend::Gpu(g) => {
                let (y, m) = ops::dropout_forward(g, x.g(), step.g(), rate, seed)?;
                Ok((Tensor::Gpu(y), Tensor::Gpu(m)))
            }
            Backend::Cpu => {
                let (y, m) = cpu::dropout_forward(x.c(), step.ci()[0], rate, seed);
                Ok((Tensor::cpu(x.shape(), y), Tensor::cpu(x.shape(), m)))
            }
        }
    }

    /// dx = dy · mask.
    pub fn dropout_backward(&self, dy: &Tensor, mask: &Tensor) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::dropout_backward(g, dy.g(), mask.g())?)),
            Backend::Cpu => Ok(Tensor::cpu(
                dy.shape(),
                cpu::dropout_backward(dy.c(), mask.c()),
            )),
        }
    }

    /// logits[r,c], one-hot labels[r,c] → (probs[r,c], row_loss[r]).
    pub fn softmax_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        match self {
            Backend::Gpu(g) => {
                let (p, l) = ops::softmax_cross_entropy_forward(g, logits.g(), labels.g())?;
                Ok((Tensor::Gpu(p), Tensor::Gpu(l)))
            }
            Backend::Cpu => {
                same_shape("softmax_cross_entropy_forward", logits, labels)?;
                let cols = *logits.shape().last().unwrap_or(&1);
                let rows = logits.len() / cols.max(1);
                let (p, l) = cpu::softmax_cross_entropy_forward(logits.c(), labels.c(), rows, cols);
                Ok((Tensor::cpu(logits.shape(), p), Tensor::cpu(&[rows], l)))
            }
        }
    }

    /// dlogits = (probs − labels) · scale.
    pub fn softmax_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::softmax_cross_entropy_backward(
                g,
                probs.g(),
                labels.g(),
                scale,
            )?)),
            Backend::Cpu => Ok(Tensor::cpu(
                probs.shape(),
                cpu::softmax_cross_entropy_backward(probs.c(), labels.c(), scale as f64),
            )),
        }
    }

    /// (pred − truth)² elementwise.
    pub fn mse_forward(&self, pred: &Tensor, truth: &Tensor) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::mse_forward(g, pred.g(), truth.g())?)),
            Backend::Cpu => {
                same_shape("mse_forward", pred, truth)?;
                Ok(Tensor::cpu(
                    pred.shape(),
                    cpu::mse_forward(pred.c(), truth.c()),
                ))
            }
        }
    }

    /// 2·(pred − truth)·scale.
    pub fn mse_backward(&self, pred: &Tensor, truth: &Tensor, scale: f32) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::mse_backward(
                g,
                pred.g(),
                truth.g(),
                scale,
            )?)),
            Backend::Cpu => Ok(Tensor::cpu(
                pred.shape(),
                cpu::mse_backward(pred.c(), truth.c(), scale as f64),
            )),
        }
    }

    /// correct[r] = 1 where argmax(probs[r]) == argmax(labels[r]).
    pub fn accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor> {
        match self {
            Backend::Gpu(g) => Ok(Tensor::Gpu(ops::accuracy_forward(
                g,
                probs.g(),
                labels.g(),
            )?)),
            Backend::Cpu => {
                same_shape("accuracy_forward", probs, labels)?;
                let cols = *probs.shape().last().unwrap_or(&1);
                let rows = probs.len() / cols.max(1);
                Ok(Tensor::cpu(
                    &[rows],
                    cpu::accuracy_forward(probs.c(), labels.c(), rows, cols),
                ))
            }
        }
    }

    /// out[0] (+)= scale · Σ x.
    pub fn sum_into(
        &self,
        x: &Tensor,
        scale: f32,
        out: &mut Tensor,
        accumulate: bool,
    ) -> Result<()> {
        match self {
            Backend::Gpu(g) => ops::sum_into(g, x.g(), scale, out.g(), accumulate),
            Backend::Cpu => {
                let s = cpu::sum_forward(x.c(), scale as f64);
                let o = out.c_mut();
                o[0] = if accumulate { o[0] + s } else { s };
                Ok(())
            }
        }
    }

    /// One Adam update in place; `step` is the (already bumped) counter.
    pub fn adam_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        m: &mut Tensor,
        v: &mut Tensor,
        step: &Tensor,
        hp: &AdamParams,
    ) -> Result<()> {
        match self {
            Backend::Gpu(g) => ops::adam_update(g, param.g(), grad.g(), m.g(), v.g(), step.g(), hp),
            Backend::Cpu => {
                let t = step.ci()[0];
                let (mut mm, mut vv) = (m.c_mut().clone(), v.c_mut().clone());
                cpu::adam_update(param.c_mut(), grad.c(), &mut mm, &mut vv, t, hp);
                *m.c_mut() = mm;
                *v.c_mut() = vv;
                Ok(())
            }
        }
    }

    /// One SGD (momentum / Nesterov) update in place.
    pub fn sgd_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        velocity: &mut Tensor,
        hp: &SgdParams,
    ) -> Result<()> {
        match self {
            Backend::Gpu(g) => ops::sgd_update(g, param.g(), grad.g(), velocity.g(), hp),
            Backend::Cpu => {
                let mut vel = velocity.c_mut().clone();
                cpu::sgd_update(param.c_mut(), grad.c(), &mut vel, hp);
                *velocity.c_mut() = vel;
                Ok(())
            }
        }
    }

    /// Submit recorded GPU work (no wait); nothing on the CPU.
    pub fn flush(&self) {
        if let Backend::Gpu(g) = self {
            g.flush();
        }
    }
}

fn same_shape(op: &'static str, a: &Tensor, b: &Tensor) -> Result<()> {
    if a.shape() != b.shape() {
        return shape_err(op, format!("{:?} vs {:?}", a.shape(), b.shape()));
    }
    Ok(())
}

/// Where a GPU gather reads its rows: `indices[cursor·stride + r]`.
fn batch_index<'a>(indices: &'a Tensor, cursor: &'a Tensor, stride: usize) -> ops::BatchIndex<'a> {
    ops::BatchIndex {
        indices: indices.g(),
        cursor: cursor.g(),
        stride,
    }
}
