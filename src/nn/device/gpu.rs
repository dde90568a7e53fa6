//! The GPU device: each op calls its launcher in `crate::ops`, which checks shapes and
//! records the dispatch.

use super::{BatchAt, ByteCodes, DeviceOps, PendingValues};
use crate::error::Result;
use crate::geometry::Pad2dGeometry;
use crate::geometry::{Conv2dGeometry, Pool2dGeometry};
use crate::gpu::{Gpu, GpuTensor, Unary};
use crate::nn::device::tensor::Tensor;
use crate::ops::{self, BatchIndex, GlobalPool};
use crate::shape::Layout;

/// The tensor's GPU buffer, or `Error::WrongTensor` naming `op`.
pub(super) fn g<'a>(op: &'static str, t: &'a Tensor) -> Result<&'a GpuTensor> {
    t.gpu_tensor(op)
}

/// Where a GPU gather reads its rows.
fn batch_index<'a>(op: &'static str, at: &BatchAt<'a>) -> Result<BatchIndex<'a>> {
    Ok(BatchIndex {
        indices: g(op, at.order)?,
        cursor: g(op, at.cursor)?,
        stride: at.batch_size,
    })
}

impl DeviceOps for Gpu {
    fn upload(&self, shape: &[usize], data: &[f32]) -> Result<Tensor> {
        Ok(Tensor::Gpu(Gpu::upload(self, shape, data)?))
    }

    fn upload_u32(&self, shape: &[usize], data: &[u32]) -> Result<Tensor> {
        Ok(Tensor::Gpu(Gpu::upload_u32(self, shape, data)?))
    }

    fn write(&self, t: &mut Tensor, data: &[f32]) -> Result<()> {
        Gpu::write(self, g("write", t)?, data)
    }

    fn write_u32(&self, t: &mut Tensor, data: &[u32]) -> Result<()> {
        Gpu::write_u32(self, g("write_u32", t)?, data)
    }

    fn zeros(&self, shape: &[usize]) -> Result<Tensor> {
        Ok(Tensor::Gpu(Gpu::zeros(self, shape)?))
    }

    fn counter_step(&self, count: &mut Tensor) -> Result<()> {
        ops::counter_step(self, g("counter_step", count)?)
    }

    fn download(&self, t: &Tensor) -> Result<Vec<f32>> {
        Gpu::download(self, g("download", t)?)
    }

    fn download_u32(&self, t: &Tensor) -> Result<Vec<u32>> {
        Gpu::download_u32(self, g("download_u32", t)?)
    }

    fn read_async(&self, ts: &[&Tensor]) -> Result<PendingValues> {
        let gs = ts
            .iter()
            .map(|t| g("read_async", t))
            .collect::<Result<Vec<_>>>()?;
        Ok(PendingValues::Gpu(Some(Gpu::read_async(self, &gs)?)))
    }

    fn poll_read(&self, p: &mut PendingValues) -> Result<Option<Vec<f32>>> {
        match p {
            PendingValues::Gpu(slot) => Gpu::poll_read(self, slot),
            PendingValues::Ready(v) => Ok(v.take()),
        }
    }

    fn wait_read(&self, p: &mut PendingValues) -> Result<Option<Vec<f32>>> {
        match p {
            PendingValues::Gpu(slot) => Gpu::wait_read(self, slot),
            PendingValues::Ready(v) => Ok(v.take()),
        }
    }

    fn flush(&self) {
        Gpu::flush(self);
    }

    fn gather(&self, src: &Tensor, at: BatchAt) -> Result<Tensor> {
        let (op, index) = ("gather_forward", batch_index("gather_forward", &at)?);
        let y = ops::gather_forward(self, g(op, src)?, &index, at.rows)?;
        Ok(Tensor::Gpu(y))
    }

    fn gather_u8(&self, data: ByteCodes, at: BatchAt) -> Result<Tensor> {
        let op = "gather_u8_forward";
        Ok(Tensor::Gpu(ops::gather_u8_forward(
            self,
            g(op, data.codes)?,
            g(op, data.palette)?,
            data.n_samples,
            data.sample_shape,
            &batch_index(op, &at)?,
            at.rows,
        )?))
    }

    fn matmul(
        &self,
        a: &Tensor,
        b: &Tensor,
        bias: Option<&Tensor>,
        layout: Layout,
        relu: bool,
    ) -> Result<Tensor> {
        let bias = bias.map(|t| g("matmul", t)).transpose()?;
        let (a, b) = (g("matmul", a)?, g("matmul", b)?);
        Ok(Tensor::Gpu(ops::matmul(self, a, b, bias, layout, relu)?))
    }

    fn matmul_into(&self, a: &Tensor, b: &Tensor, layout: Layout, out: &mut Tensor) -> Result<()> {
        let op = "matmul";
        let (a, b, out) = (g(op, a)?, g(op, b)?, g(op, out)?);
        ops::matmul_into(self, a, b, None, layout, false, out)
    }

    fn weight_gradients_into(
        &self,
        x: &Tensor,
        dz: &Tensor,
        dw: &mut Tensor,
        db: &mut Tensor,
    ) -> Result<()> {
        let op = "weight gradients";
        let (x, dz, dw, db) = (g(op, x)?, g(op, dz)?, g(op, dw)?, g(op, db)?);
        ops::matmul_tn_bias_grad_into(self, x, dz, dw, db)
    }

    fn bias_backward_into(&self, dy: &Tensor, out: &mut Tensor) -> Result<()> {
        let op = "bias_backward";
        ops::bias_backward_into(self, g(op, dy)?, g(op, out)?)
    }

    fn arena(&self, shapes: &[Vec<usize>]) -> Result<Option<(Tensor, Vec<Tensor>)>> {
        Ok(Gpu::arena(self, shapes)?.map(|(arena, views)| {
            let views = views.into_iter().map(Tensor::Gpu).collect();
            (Tensor::Gpu(arena), views)
        }))
    }

    fn copy(&self, src: &Tensor, dst: &mut Tensor) -> Result<()> {
        Gpu::copy(self, g("copy", src)?, g("copy", dst)?)
    }

    fn bias_backward(&self, dy: &Tensor) -> Result<Tensor> {
        Ok(Tensor::Gpu(ops::bias_backward(
            self,
            g("bias_backward", dy)?,
        )?))
    }

    fn unary_forward_with(&self, op: Unary, x: &Tensor, alpha: f32) -> Result<Tensor> {
        let x = g(op.name(), x)?;
        Ok(Tensor::Gpu(ops::unary_forward_with(self, op, x, alpha)?))
    }

    fn unary_backward_with(
        &self,
        op: Unary,
        saved: &Tensor,
        dy: &Tensor,
        alpha: f32,
    ) -> Result<Tensor> {
        let (saved, dy) = (g(op.name(), saved)?, g(op.name(), dy)?);
        Ok(Tensor::Gpu(ops::unary_backward_with(
            self, op, saved, dy, alpha,
        )?))
    }

    fn softmax_forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(Tensor::Gpu(ops::softmax_forward(self, g("softmax", x)?)?))
    }

    fn softmax_backward(&self, y: &Tensor, dy: &Tensor) -> Result<Tensor> {
        let (y, dy) = (g("softmax", y)?, g("softmax", dy)?);
        Ok(Tensor::Gpu(ops::softmax_backward(self, y, dy)?))
    }

    fn im2col_forward(&self, x: &Tensor, geo: &Conv2dGeometry) -> Result<Tensor> {
        Ok(Tensor::Gpu(ops::im2col_forward(
            self,
            g("im2col", x)?,
            geo,
        )?))
    }

    fn im2col_backward(&self, dcols: &Tensor, geo: &Conv2dGeometry) -> Result<Tensor> {
        let dcols = g("im2col_backward", dcols)?;
        Ok(Tensor::Gpu(ops::im2col_backward(self, dcols, geo)?))
    }

    fn maxpool_forward(&self, x: &Tensor, geo: &Pool2dGeometry) -> Result<(Tensor, Tensor)> {
        let (y, argmax) = ops::maxpool_forward(self, g("maxpool", x)?, geo)?;
        Ok((Tensor::Gpu(y), Tensor::Gpu(argmax)))
    }

    fn maxpool_backward(
        &self,
        dy: &Tensor,
        argmax: &Tensor,
        geo: &Pool2dGeometry,
    ) -> Result<Tensor> {
        let (dy, argmax) = (g("maxpool", dy)?, g("maxpool", argmax)?);
        Ok(Tensor::Gpu(ops::maxpool_backward(self, dy, argmax, geo)?))
    }

    fn fuses(&self) -> bool {
        self.fused()
    }

    fn maxpool_backward_masked(
        &self,
        dy: &Tensor,
        argmax: &Tensor,
        geo: &Pool2dGeometry,
        x: &Tensor,
    ) -> Result<Tensor> {
        let op = "maxpool";
        let (dy, argmax, x) = (g(op, dy)?, g(op, argmax)?, g(op, x)?);
        let dx = ops::maxpool_backward_masked(self, dy, argmax, geo, x)?;
        Ok(Tensor::Gpu(dx))
    }

    fn matmul_nt_relu_masked(&self, dz: &Tensor, w: &Tensor, x: &Tensor) -> Result<Tensor> {
        let op = "matmul";
        let (dz, w, x) = (g(op, dz)?, g(op, w)?, g(op, x)?);
        Ok(Tensor::Gpu(ops::matmul_nt_relu_masked(self, dz, w, x)?))
    }

    fn avgpool_forward(&self, x: &Tensor, geo: &Pool2dGeometry) -> Result<Tensor> {
        Ok(Tensor::Gpu(ops::avgpool_forward(
            self,
            g("avgpool", x)?,
            geo,
        )?))
    }

    fn avgpool_backward(&self, dy: &Tensor, geo: &Pool2dGeometry) -> Result<Tensor> {
        Ok(Tensor::Gpu(ops::avgpool_backward(
            self,
            g("avgpool", dy)?,
            geo,
        )?))
    }

    fn global_pool_forward(
        &self,
        pool: GlobalPool,
        x: &Tensor,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let x = g("global_pool", x)?;
        Ok(match pool {
            GlobalPool::Average => (Tensor::Gpu(ops::global_avg_pool_forward(self, x)?), None),
            GlobalPool::Max => {
                let (y, argmax) = ops::global_max_pool_forward(self, x)?;
                (Tensor::Gpu(y), Some(Tensor::Gpu(argmax)))
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
        let dy = g("global_pool", dy)?;
        Ok(Tensor::Gpu(match (pool, argmax) {
            (GlobalPool::Max, Some(a)) => {
                ops::global_max_pool_backward(self, dy, g("global_pool", a)?, x_shape)?
            }
            _ => ops::global_avg_pool_backward(self, dy, x_shape)?,
        }))
    }

    fn batch_norm_statistics(
        &self,
        x: &Tensor,
        [mean, var]: [&mut Tensor; 2],
        hp: &crate::cpu::BatchNormParams,
    ) -> Result<Tensor> {
        let op = "batch_norm_statistics";
        let (x, mean, var) = (g(op, x)?, g(op, mean)?, g(op, var)?);
        Ok(Tensor::Gpu(ops::batch_norm_statistics(
            self, x, mean, var, hp,
        )?))
    }

    fn batch_norm_forward(
        &self,
        x: &Tensor,
        stats: &Tensor,
        gamma: &Tensor,
        beta: &Tensor,
    ) -> Result<Tensor> {
        let op = "batch_norm_forward";
        let (x, stats) = (g(op, x)?, g(op, stats)?);
        let y = ops::batch_norm_forward(self, x, stats, g(op, gamma)?, g(op, beta)?)?;
        Ok(Tensor::Gpu(y))
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
        let moving = [g(op, mean)?, g(op, var)?];
        let (x, gamma, beta) = (g(op, x)?, g(op, gamma)?, g(op, beta)?);
        let y = ops::batch_norm_inference_forward(self, x, moving, gamma, beta, epsilon)?;
        Ok(Tensor::Gpu(y))
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
        let (x, dy, stats, gamma) = (g(op, x)?, g(op, dy)?, g(op, stats)?, g(op, gamma)?);
        let (dx, dgamma, dbeta) = ops::batch_norm_backward(self, x, dy, stats, gamma, need_dx)?;
        Ok((dx.map(Tensor::Gpu), Tensor::Gpu(dgamma), Tensor::Gpu(dbeta)))
    }

    fn dropout_forward(
        &self,
        x: &Tensor,
        step: &Tensor,
        rate: f32,
        seed: u32,
    ) -> Result<(Tensor, Tensor)> {
        let (x, step) = (g("dropout", x)?, g("dropout", step)?);
        let (y, mask) = ops::dropout_forward(self, x, step, rate, seed)?;
        Ok((Tensor::Gpu(y), Tensor::Gpu(mask)))
    }

    fn dropout_backward(&self, dy: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (dy, mask) = (g("dropout", dy)?, g("dropout", mask)?);
        Ok(Tensor::Gpu(ops::dropout_backward(self, dy, mask)?))
    }

    fn rescale_forward(&self, x: &Tensor, scale: f32, offset: f32) -> Result<Tensor> {
        let x = g("rescale", x)?;
        Ok(Tensor::Gpu(ops::rescale_forward(self, x, scale, offset)?))
    }

    fn rescale_backward(&self, dy: &Tensor, scale: f32) -> Result<Tensor> {
        let dy = g("rescale", dy)?;
        Ok(Tensor::Gpu(ops::rescale_backward(self, dy, scale)?))
    }

    fn pad2d_forward(&self, x: &Tensor, geo: &Pad2dGeometry) -> Result<Tensor> {
        let x = g("pad2d", x)?;
        Ok(Tensor::Gpu(ops::pad2d_forward(self, x, geo)?))
    }

    fn pad2d_backward(&self, dy: &Tensor, geo: &Pad2dGeometry) -> Result<Tensor> {
        let dy = g("pad2d", dy)?;
        Ok(Tensor::Gpu(ops::pad2d_backward(self, dy, geo)?))
    }
}
