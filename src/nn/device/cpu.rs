//! The CPU reference device: each op calls its twin in `crate::cpu` (plain loops, f64
//! accumulation) on host vectors. Output shapes come from the same rules the launchers
//! use (`crate::shape`, `crate::geometry`).

pub(super) use super::cpu_checks::check_len;
use super::cpu_checks::{batch_shape, channels, nhwc, overwrite, same};
use super::{BatchAt, ByteCodes, DeviceOps, PendingValues};
use crate::cpu;
use crate::error::{shape_err, Result};
use crate::geometry::Pad2dGeometry;
use crate::geometry::{Conv2dGeometry, Pool2dGeometry};
use crate::gpu::Unary;
use crate::nn::device::tensor::Tensor;
use crate::ops::GlobalPool;
use crate::shape::{matmul_dims, rows_cols, Layout};

/// The CPU device (stateless: tensors carry their data).
pub struct CpuDevice;

impl DeviceOps for CpuDevice {
    fn upload(&self, shape: &[usize], data: &[f32]) -> Result<Tensor> {
        check_len("upload", shape, data.len())?;
        Ok(Tensor::cpu(shape, data.to_vec()))
    }

    fn upload_u32(&self, shape: &[usize], data: &[u32]) -> Result<Tensor> {
        check_len("upload_u32", shape, data.len())?;
        Ok(Tensor::cpu_u32(shape, data.to_vec()))
    }

    fn write(&self, t: &mut Tensor, data: &[f32]) -> Result<()> {
        let shape = t.shape().to_vec();
        overwrite("write", &shape, t.host_f32_mut("write")?, data)
    }

    fn write_u32(&self, t: &mut Tensor, data: &[u32]) -> Result<()> {
        let shape = t.shape().to_vec();
        overwrite("write_u32", &shape, t.host_u32_mut("write_u32")?, data)
    }

    fn zeros(&self, shape: &[usize]) -> Result<Tensor> {
        Ok(Tensor::cpu(shape, vec![0.0; shape.iter().product()]))
    }

    fn counter_step(&self, count: &mut Tensor) -> Result<()> {
        cpu::counter_step(count.host_u32_mut("counter_step")?);
        Ok(())
    }

    fn download(&self, t: &Tensor) -> Result<Vec<f32>> {
        Ok(t.host_f32("download")?.to_vec())
    }

    fn download_u32(&self, t: &Tensor) -> Result<Vec<u32>> {
        Ok(t.host_u32("download_u32")?.to_vec())
    }

    fn read_async(&self, ts: &[&Tensor]) -> Result<PendingValues> {
        let mut values = Vec::new();
        for t in ts {
            values.extend_from_slice(t.host_f32("read_async")?);
        }
        Ok(PendingValues::Ready(Some(values)))
    }

    fn poll_read(&self, p: &mut PendingValues) -> Result<Option<Vec<f32>>> {
        match p {
            PendingValues::Ready(v) => Ok(v.take()),
            PendingValues::Gpu(_) => shape_err("poll_read", "a GPU read on the CPU device"),
        }
    }

    fn wait_read(&self, p: &mut PendingValues) -> Result<Option<Vec<f32>>> {
        self.poll_read(p)
    }

    fn gather(&self, src: &Tensor, at: BatchAt) -> Result<Tensor> {
        let op = "gather_forward";
        let row_len = src.len() / src.shape()[0].max(1);
        let out = cpu::gather_forward(
            src.host_f32(op)?,
            row_len,
            at.order.host_u32(op)?,
            at.cursor.host_u32(op)?[0],
            at.batch_size,
            at.rows,
        );
        Ok(Tensor::cpu(&batch_shape(at.rows, &src.shape()[1..]), out))
    }

    fn gather_u8(&self, data: ByteCodes, at: BatchAt) -> Result<Tensor> {
        let op = "gather_u8_forward";
        let out = cpu::gather_u8_forward(
            data.codes.host_u32(op)?,
            data.palette.host_f32(op)?,
            data.sample_shape.iter().product(),
            data.n_samples,
            at.order.host_u32(op)?,
            at.cursor.host_u32(op)?[0],
            at.batch_size,
            at.rows,
        );
        Ok(Tensor::cpu(&batch_shape(at.rows, data.sample_shape), out))
    }

    fn matmul(
        &self,
        a: &Tensor,
        b: &Tensor,
        bias: Option<&Tensor>,
        layout: Layout,
        relu: bool,
    ) -> Result<Tensor> {
        let op = "matmul";
        let (m, n, k) = matmul_dims(a.shape(), b.shape(), layout)?;
        let bias = bias.map(|t| t.host_f32(op)).transpose()?;
        let (a, b) = (a.host_f32(op)?, b.host_f32(op)?);
        Ok(Tensor::cpu(
            &[m, n],
            cpu::matmul(a, b, bias, m, n, k, layout, relu),
        ))
    }

    fn copy(&self, src: &Tensor, dst: &mut Tensor) -> Result<()> {
        let data = src.host_f32("copy")?.to_vec();
        match data.len() == dst.len() {
            true => {
                *dst.host_f32_mut("copy")? = data;
                Ok(())
            }
            false => crate::error::shape_err(
                "copy",
                format!(
                    "{:?} into {:?}: element counts differ",
                    src.shape(),
                    dst.shape()
                ),
            ),
        }
    }

    fn bias_backward(&self, dy: &Tensor) -> Result<Tensor> {
        let (rows, cols) = rows_cols(dy.shape());
        let db = cpu::bias_backward(dy.host_f32("bias_backward")?, rows, cols);
        Ok(Tensor::cpu(&[cols], db))
    }

    // The registry's twins take no parameter; leaky_relu's slope goes to its `_with` twins.
    fn unary_forward_with(&self, op: Unary, x: &Tensor, alpha: f32) -> Result<Tensor> {
        let x32 = x.host_f32(op.name())?;
        let y = match op {
            Unary::LeakyRelu => cpu::leaky_relu_forward_with(x32, alpha),
            _ => op.cpu_forward(x32),
        };
        Ok(Tensor::cpu(x.shape(), y))
    }

    fn unary_backward_with(
        &self,
        op: Unary,
        saved: &Tensor,
        dy: &Tensor,
        alpha: f32,
    ) -> Result<Tensor> {
        same(op.name(), saved, dy)?;
        let (s, d) = (saved.host_f32(op.name())?, dy.host_f32(op.name())?);
        let dx = match op {
            Unary::LeakyRelu => cpu::leaky_relu_backward_with(s, d, alpha),
            _ => op.cpu_backward(s, d),
        };
        Ok(Tensor::cpu(dy.shape(), dx))
    }

    fn softmax_forward(&self, x: &Tensor) -> Result<Tensor> {
        let (rows, cols) = rows_cols(x.shape());
        let y = cpu::softmax_forward(x.host_f32("softmax")?, rows, cols);
        Ok(Tensor::cpu(x.shape(), y))
    }

    fn softmax_backward(&self, y: &Tensor, dy: &Tensor) -> Result<Tensor> {
        same("softmax_backward", y, dy)?;
        let (rows, cols) = rows_cols(dy.shape());
        let (y, d) = (y.host_f32("softmax")?, dy.host_f32("softmax")?);
        Ok(Tensor::cpu(
            dy.shape(),
            cpu::softmax_backward(y, d, rows, cols),
        ))
    }

    fn im2col_forward(&self, x: &Tensor, geo: &Conv2dGeometry) -> Result<Tensor> {
        let cols = cpu::im2col_forward(x.host_f32("im2col")?, geo);
        Ok(Tensor::cpu(&[geo.col_rows(), geo.col_cols()], cols))
    }

    fn im2col_backward(&self, dcols: &Tensor, geo: &Conv2dGeometry) -> Result<Tensor> {
        let dx = cpu::im2col_backward(dcols.host_f32("im2col_backward")?, geo);
        Ok(Tensor::cpu(&[geo.n, geo.h, geo.w, geo.c], dx))
    }

    fn maxpool_forward(&self, x: &Tensor, geo: &Pool2dGeometry) -> Result<(Tensor, Tensor)> {
        let shape = [geo.n, geo.oh, geo.ow, geo.c];
        let (y, argmax) = cpu::maxpool_forward(x.host_f32("maxpool")?, geo);
        Ok((Tensor::cpu(&shape, y), Tensor::cpu_u32(&shape, argmax)))
    }

    fn maxpool_backward(
        &self,
        dy: &Tensor,
        argmax: &Tensor,
        geo: &Pool2dGeometry,
    ) -> Result<Tensor> {
        let (dy, argmax) = (dy.host_f32("maxpool")?, argmax.host_u32("maxpool")?);
        let dx = cpu::maxpool_backward(dy, argmax, geo);
        Ok(Tensor::cpu(&[geo.n, geo.h, geo.w, geo.c], dx))
    }

    fn avgpool_forward(&self, x: &Tensor, geo: &Pool2dGeometry) -> Result<Tensor> {
        let y = cpu::avgpool_forward(x.host_f32("avgpool")?, geo);
        Ok(Tensor::cpu(&[geo.n, geo.oh, geo.ow, geo.c], y))
    }

    fn avgpool_backward(&self, dy: &Tensor, geo: &Pool2dGeometry) -> Result<Tensor> {
        let dx = cpu::avgpool_backward(dy.host_f32("avgpool")?, geo);
        Ok(Tensor::cpu(&[geo.n, geo.h, geo.w, geo.c], dx))
    }

    fn global_pool_forward(
        &self,
        pool: GlobalPool,
        x: &Tensor,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let (n, hw, c) = nhwc("global_pool_forward", x.shape())?;
        let x = x.host_f32("global_pool_forward")?;
        Ok(match pool {
            GlobalPool::Average => {
                let y = cpu::global_avg_pool_forward(x, n, hw, c);
                (Tensor::cpu(&[n, c], y), None)
            }
            GlobalPool::Max => {
                let (y, argmax) = cpu::global_max_pool_forward(x, n, hw, c);
                (
                    Tensor::cpu(&[n, c], y),
                    Some(Tensor::cpu_u32(&[n, c], argmax)),
                )
            }
        })
    }

    fn global_pool_backward(
        &self,
        pool: GlobalPool,
        dy: &Tensor,
        argmax: Option<&Tensor>,
        x_shape: &[usize],
    ) -> Result<Tensor> {
        let op = "global_pool_backward";
        let (n, hw, c) = nhwc(op, x_shape)?;
        check_len(op, &[n, c], dy.len())?;
        let d = dy.host_f32(op)?;
        let dx = match (pool, argmax) {
            (GlobalPool::Max, Some(a)) => {
                cpu::global_max_pool_backward(d, a.host_u32(op)?, n, hw, c)
            }
            _ => cpu::global_avg_pool_backward(d, n, hw, c),
        };
        Ok(Tensor::cpu(x_shape, dx))
    }

    fn batch_norm_statistics(
        &self,
        x: &Tensor,
        [mean, var]: [&mut Tensor; 2],
        hp: &cpu::BatchNormParams,
    ) -> Result<Tensor> {
        let op = "batch_norm_statistics";
        let c = channels(op, x, mean.len())?;
        check_len(op, &[c], var.len())?;
        let (mean, var) = (mean.host_f32_mut(op)?, var.host_f32_mut(op)?);
        let stats = cpu::batch_norm_statistics(x.host_f32(op)?, c, hp, mean, var);
        Ok(Tensor::cpu(&[2, c], stats))
    }

    fn batch_norm_forward(
        &self,
        x: &Tensor,
        stats: &Tensor,
        gamma: &Tensor,
        beta: &Tensor,
    ) -> Result<Tensor> {
        let op = "batch_norm_forward";
        let c = channels(op, x, gamma.len())?;
        check_len(op, &[2, c], stats.len())?;
        check_len(op, &[c], beta.len())?;
        let (x32, s) = (x.host_f32(op)?, stats.host_f32(op)?);
        let y = cpu::batch_norm_forward(x32, s, gamma.host_f32(op)?, beta.host_f32(op)?);
        Ok(Tensor::cpu(x.shape(), y))
    }

    fn batch_norm_inference_forward(
        &self,
        x: &Tensor,
        [mean, var]: [&Tensor; 2],
        gamma: &Tensor,
        beta: &Tensor,
        epsilon: f32,
    ) -> Result<Tensor> {
        let op = "batch_norm_inference_forward";
        let c = channels(op, x, gamma.len())?;
        for t in [mean, var, beta] {
            check_len(op, &[c], t.len())?;
        }
        let (g, b) = (gamma.host_f32(op)?, beta.host_f32(op)?);
        let (m, v) = (mean.host_f32(op)?, var.host_f32(op)?);
        let y = cpu::batch_norm_inference_forward(x.host_f32(op)?, m, v, g, b, epsilon);
        Ok(Tensor::cpu(x.shape(), y))
    }

    fn batch_norm_backward(
        &self,
        x: &Tensor,
        dy: &Tensor,
        stats: &Tensor,
        gamma: &Tensor,
        need_dx: bool,
    ) -> Result<(Option<Tensor>, Tensor, Tensor)> {
        let op = "batch_norm_backward";
        let c = channels(op, x, gamma.len())?;
        same(op, x, dy)?;
        check_len(op, &[2, c], stats.len())?;
        let (x32, dy32) = (x.host_f32(op)?, dy.host_f32(op)?);
        let (dx, dgamma, dbeta) =
            cpu::batch_norm_backward(x32, dy32, stats.host_f32(op)?, gamma.host_f32(op)?);
        let dx = need_dx.then(|| Tensor::cpu(x.shape(), dx));
        Ok((dx, Tensor::cpu(&[c], dgamma), Tensor::cpu(&[c], dbeta)))
    }

    fn dropout_forward(
        &self,
        x: &Tensor,
        step: &Tensor,
        rate: f32,
        seed: u32,
    ) -> Result<(Tensor, Tensor)> {
        let step = step.host_u32("dropout")?[0];
        let (y, mask) = cpu::dropout_forward(x.host_f32("dropout")?, step, rate, seed);
        Ok((Tensor::cpu(x.shape(), y), Tensor::cpu(x.shape(), mask)))
    }

    fn dropout_backward(&self, dy: &Tensor, mask: &Tensor) -> Result<Tensor> {
        same("dropout_backward", dy, mask)?;
        let dx = cpu::dropout_backward(dy.host_f32("dropout")?, mask.host_f32("dropout")?);
        Ok(Tensor::cpu(dy.shape(), dx))
    }

    fn rescale_forward(&self, x: &Tensor, scale: f32, offset: f32) -> Result<Tensor> {
        let y = cpu::rescale_forward(x.host_f32("rescale")?, scale, offset);
        Ok(Tensor::cpu(x.shape(), y))
    }

    fn rescale_backward(&self, dy: &Tensor, scale: f32) -> Result<Tensor> {
        let dx = cpu::rescale_backward(dy.host_f32("rescale")?, scale);
        Ok(Tensor::cpu(dy.shape(), dx))
    }

    fn pad2d_forward(&self, x: &Tensor, geo: &Pad2dGeometry) -> Result<Tensor> {
        check_len("pad2d_forward", &[geo.input_len()], x.len())?;
        let y = cpu::pad2d_forward(x.host_f32("pad2d")?, geo);
        Ok(Tensor::cpu(&[geo.n, geo.oh, geo.ow, geo.c], y))
    }

    fn pad2d_backward(&self, dy: &Tensor, geo: &Pad2dGeometry) -> Result<Tensor> {
        check_len("pad2d_backward", &[geo.output_len()], dy.len())?;
        let dx = cpu::pad2d_backward(dy.host_f32("pad2d")?, geo);
        Ok(Tensor::cpu(&[geo.n, geo.h, geo.w, geo.c], dx))
    }
}
