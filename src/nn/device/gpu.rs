//! The GPU device: each op calls its launcher in `crate::ops`, which checks shapes and
//! records the dispatch.

use super::{BatchAt, ByteCodes, DeviceOps, PendingValues};
use crate::cpu::{AdamParams, SgdParams};
use crate::error::Result;
use crate::geometry::{Conv2dGeometry, Pool2dGeometry};
use crate::gpu::{Gpu, GpuTensor, Unary};
use crate::nn::tensor::Tensor;
use crate::ops::{self, BatchIndex};
use crate::shape::Layout;

/// The tensor's GPU buffer, or `Error::WrongTensor` naming `op`.
fn g<'a>(op: &'static str, t: &'a Tensor) -> Result<&'a GpuTensor> {
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

    fn bias_backward(&self, dy: &Tensor) -> Result<Tensor> {
        Ok(Tensor::Gpu(ops::bias_backward(
            self,
            g("bias_backward", dy)?,
        )?))
    }

    fn unary_forward(&self, op: Unary, x: &Tensor) -> Result<Tensor> {
        Ok(Tensor::Gpu(ops::unary_forward(self, op, g(op.name(), x)?)?))
    }

    fn unary_backward(&self, op: Unary, saved: &Tensor, dy: &Tensor) -> Result<Tensor> {
        let (saved, dy) = (g(op.name(), saved)?, g(op.name(), dy)?);
        Ok(Tensor::Gpu(ops::unary_backward(self, op, saved, dy)?))
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

    fn softmax_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let op = "softmax_cross_entropy";
        let (p, l) = ops::softmax_cross_entropy_forward(self, g(op, logits)?, g(op, labels)?)?;
        Ok((Tensor::Gpu(p), Tensor::Gpu(l)))
    }

    fn softmax_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor> {
        let op = "softmax_cross_entropy";
        let (probs, labels) = (g(op, probs)?, g(op, labels)?);
        let d = ops::softmax_cross_entropy_backward(self, probs, labels, scale)?;
        Ok(Tensor::Gpu(d))
    }

    fn sparse_softmax_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let op = "sparse_softmax_cross_entropy";
        let (logits, labels) = (g(op, logits)?, g(op, labels)?);
        let (p, l) = ops::sparse_softmax_cross_entropy_forward(self, logits, labels)?;
        Ok((Tensor::Gpu(p), Tensor::Gpu(l)))
    }

    fn sparse_softmax_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor> {
        let op = "sparse_softmax_cross_entropy";
        let (probs, labels) = (g(op, probs)?, g(op, labels)?);
        let d = ops::sparse_softmax_cross_entropy_backward(self, probs, labels, scale)?;
        Ok(Tensor::Gpu(d))
    }

    fn sparse_accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor> {
        let (probs, labels) = (g("accuracy", probs)?, g("accuracy", labels)?);
        Ok(Tensor::Gpu(ops::sparse_accuracy_forward(
            self, probs, labels,
        )?))
    }

    fn sigmoid_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let op = "sigmoid_cross_entropy";
        let (logits, labels) = (g(op, logits)?, g(op, labels)?);
        let (p, l) = ops::sigmoid_cross_entropy_forward(self, logits, labels)?;
        Ok((Tensor::Gpu(p), Tensor::Gpu(l)))
    }

    fn sigmoid_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor> {
        let op = "sigmoid_cross_entropy";
        let (probs, labels) = (g(op, probs)?, g(op, labels)?);
        let d = ops::sigmoid_cross_entropy_backward(self, probs, labels, scale)?;
        Ok(Tensor::Gpu(d))
    }

    fn binary_accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor> {
        let (probs, labels) = (g("accuracy", probs)?, g("accuracy", labels)?);
        Ok(Tensor::Gpu(ops::binary_accuracy_forward(
            self, probs, labels,
        )?))
    }

    fn mse_forward(&self, pred: &Tensor, truth: &Tensor) -> Result<Tensor> {
        let (pred, truth) = (g("mse", pred)?, g("mse", truth)?);
        Ok(Tensor::Gpu(ops::mse_forward(self, pred, truth)?))
    }

    fn mse_backward(&self, pred: &Tensor, truth: &Tensor, scale: f32) -> Result<Tensor> {
        let (pred, truth) = (g("mse", pred)?, g("mse", truth)?);
        Ok(Tensor::Gpu(ops::mse_backward(self, pred, truth, scale)?))
    }

    fn accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor> {
        let (probs, labels) = (g("accuracy", probs)?, g("accuracy", labels)?);
        Ok(Tensor::Gpu(ops::accuracy_forward(self, probs, labels)?))
    }

    fn sum_into(&self, x: &Tensor, scale: f32, out: &mut Tensor, accumulate: bool) -> Result<()> {
        ops::sum_into(self, g("sum", x)?, scale, g("sum", out)?, accumulate)
    }

    fn adam_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        m: &mut Tensor,
        v: &mut Tensor,
        step: &Tensor,
        hp: &AdamParams,
    ) -> Result<()> {
        let op = "adam_update";
        let (param, grad, step) = (g(op, param)?, g(op, grad)?, g(op, step)?);
        ops::adam_update(self, param, grad, g(op, m)?, g(op, v)?, step, hp)
    }

    fn sgd_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        velocity: &mut Tensor,
        hp: &SgdParams,
    ) -> Result<()> {
        let op = "sgd_update";
        ops::sgd_update(self, g(op, param)?, g(op, grad)?, g(op, velocity)?, hp)
    }
}
