//! The CPU reference device: each op calls its twin in `crate::cpu` (plain loops, f64
//! accumulation) on host vectors. Output shapes come from the same rules the launchers
//! use (`crate::shape`, `crate::geometry`).

use super::{BatchAt, ByteCodes, DeviceOps, PendingValues};
use crate::cpu::{self, AdamParams, SgdParams};
use crate::error::{shape_err, Result};
use crate::geometry::{Conv2dGeometry, Pool2dGeometry};
use crate::gpu::Unary;
use crate::nn::tensor::Tensor;
use crate::shape::{expect_same, matmul_dims, rows_cols, Layout};

/// The CPU device (stateless: tensors carry their data).
pub struct CpuDevice;

fn same(op: &'static str, a: &Tensor, b: &Tensor) -> Result<()> {
    expect_same(op, ("a", a.shape()), ("b", b.shape()))
}

fn check_len(op: &'static str, shape: &[usize], len: usize) -> Result<()> {
    let want: usize = shape.iter().product();
    if want != len {
        return shape_err(
            op,
            format!("shape {shape:?} holds {want} elements but {len} were given"),
        );
    }
    Ok(())
}

/// Replace a tensor's values (same count) in place.
fn overwrite<T: Copy>(op: &'static str, shape: &[usize], dst: &mut [T], src: &[T]) -> Result<()> {
    check_len(op, shape, src.len())?;
    dst.copy_from_slice(src);
    Ok(())
}

/// [rows] followed by the sample shape.
fn batch_shape(rows: usize, sample: &[usize]) -> Vec<usize> {
    let mut shape = vec![rows];
    shape.extend_from_slice(sample);
    shape
}

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

    fn bias_backward(&self, dy: &Tensor) -> Result<Tensor> {
        let (rows, cols) = rows_cols(dy.shape());
        let db = cpu::bias_backward(dy.host_f32("bias_backward")?, rows, cols);
        Ok(Tensor::cpu(&[cols], db))
    }

    fn unary_forward(&self, op: Unary, x: &Tensor) -> Result<Tensor> {
        let y = op.cpu_forward(x.host_f32(op.name())?);
        Ok(Tensor::cpu(x.shape(), y))
    }

    fn unary_backward(&self, op: Unary, saved: &Tensor, dy: &Tensor) -> Result<Tensor> {
        same(op.name(), saved, dy)?;
        let dx = op.cpu_backward(saved.host_f32(op.name())?, dy.host_f32(op.name())?);
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

    fn softmax_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let op = "softmax_cross_entropy_forward";
        expect_same(op, ("logits", logits.shape()), ("labels", labels.shape()))?;
        let (rows, cols) = rows_cols(logits.shape());
        let (p, l) = cpu::softmax_cross_entropy_forward(
            logits.host_f32(op)?,
            labels.host_f32(op)?,
            rows,
            cols,
        );
        Ok((Tensor::cpu(logits.shape(), p), Tensor::cpu(&[rows], l)))
    }

    fn softmax_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor> {
        let op = "softmax_cross_entropy_backward";
        expect_same(op, ("probs", probs.shape()), ("labels", labels.shape()))?;
        let (p, y) = (probs.host_f32(op)?, labels.host_f32(op)?);
        let d = cpu::softmax_cross_entropy_backward(p, y, scale as f64);
        Ok(Tensor::cpu(probs.shape(), d))
    }

    fn sparse_softmax_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let op = "sparse_softmax_cross_entropy_forward";
        let (rows, cols) = rows_cols(logits.shape());
        check_len(op, &[rows], labels.len())?;
        let (z, y) = (logits.host_f32(op)?, labels.host_f32(op)?);
        let (p, l) = cpu::sparse_softmax_cross_entropy_forward(z, y, rows, cols);
        Ok((Tensor::cpu(logits.shape(), p), Tensor::cpu(&[rows], l)))
    }

    fn sparse_softmax_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor> {
        let op = "sparse_softmax_cross_entropy_backward";
        let (rows, cols) = rows_cols(probs.shape());
        check_len(op, &[rows], labels.len())?;
        let (p, y) = (probs.host_f32(op)?, labels.host_f32(op)?);
        let d = cpu::sparse_softmax_cross_entropy_backward(p, y, cols, scale as f64);
        Ok(Tensor::cpu(probs.shape(), d))
    }

    fn sparse_accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor> {
        let op = "sparse_accuracy_forward";
        let (rows, cols) = rows_cols(probs.shape());
        check_len(op, &[rows], labels.len())?;
        let (p, y) = (probs.host_f32(op)?, labels.host_f32(op)?);
        Ok(Tensor::cpu(
            &[rows],
            cpu::sparse_accuracy_forward(p, y, rows, cols),
        ))
    }

    fn sigmoid_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let op = "sigmoid_cross_entropy_forward";
        expect_same(op, ("logits", logits.shape()), ("labels", labels.shape()))?;
        let (z, y) = (logits.host_f32(op)?, labels.host_f32(op)?);
        let (p, l) = cpu::sigmoid_cross_entropy_forward(z, y);
        Ok((
            Tensor::cpu(logits.shape(), p),
            Tensor::cpu(logits.shape(), l),
        ))
    }

    fn sigmoid_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor> {
        let op = "sigmoid_cross_entropy_backward";
        expect_same(op, ("probs", probs.shape()), ("labels", labels.shape()))?;
        let (p, y) = (probs.host_f32(op)?, labels.host_f32(op)?);
        let d = cpu::sigmoid_cross_entropy_backward(p, y, scale as f64);
        Ok(Tensor::cpu(probs.shape(), d))
    }

    fn binary_accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor> {
        let op = "binary_accuracy_forward";
        expect_same(op, ("probs", probs.shape()), ("labels", labels.shape()))?;
        let (rows, cols) = rows_cols(probs.shape());
        let (p, y) = (probs.host_f32(op)?, labels.host_f32(op)?);
        Ok(Tensor::cpu(
            &[rows],
            cpu::binary_accuracy_forward(p, y, rows, cols),
        ))
    }

    fn mse_forward(&self, pred: &Tensor, truth: &Tensor) -> Result<Tensor> {
        let op = "mse_forward";
        expect_same(op, ("pred", pred.shape()), ("truth", truth.shape()))?;
        let e = cpu::mse_forward(pred.host_f32(op)?, truth.host_f32(op)?);
        Ok(Tensor::cpu(pred.shape(), e))
    }

    fn mse_backward(&self, pred: &Tensor, truth: &Tensor, scale: f32) -> Result<Tensor> {
        let op = "mse_backward";
        expect_same(op, ("pred", pred.shape()), ("truth", truth.shape()))?;
        let (p, t) = (pred.host_f32(op)?, truth.host_f32(op)?);
        Ok(Tensor::cpu(
            pred.shape(),
            cpu::mse_backward(p, t, scale as f64),
        ))
    }

    fn accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor> {
        let op = "accuracy_forward";
        expect_same(op, ("probs", probs.shape()), ("labels", labels.shape()))?;
        let (rows, cols) = rows_cols(probs.shape());
        let hits = cpu::accuracy_forward(probs.host_f32(op)?, labels.host_f32(op)?, rows, cols);
        Ok(Tensor::cpu(&[rows], hits))
    }

    fn sum_into(&self, x: &Tensor, scale: f32, out: &mut Tensor, accumulate: bool) -> Result<()> {
        let s = cpu::sum_forward(x.host_f32("sum")?, scale as f64);
        let o = out.host_f32_mut("sum")?;
        o[0] = if accumulate { o[0] + s } else { s };
        Ok(())
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
        let t = step.host_u32(op)?[0];
        let (m, v) = (m.host_f32_mut(op)?, v.host_f32_mut(op)?);
        cpu::adam_update(param.host_f32_mut(op)?, grad.host_f32(op)?, m, v, t, hp);
        Ok(())
    }

    fn sgd_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        velocity: &mut Tensor,
        hp: &SgdParams,
    ) -> Result<()> {
        let op = "sgd_update";
        let velocity = velocity.host_f32_mut(op)?;
        cpu::sgd_update(param.host_f32_mut(op)?, grad.host_f32(op)?, velocity, hp);
        Ok(())
    }
}
