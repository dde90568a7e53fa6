//! The CPU device's losses, metrics and optimizer updates: each calls its twin in
//! `crate::cpu`.

use super::cpu::{check_len, CpuDevice};
use super::TrainingOps;
use crate::cpu;
use crate::error::Result;
use crate::hyperparams::GradientClip;
use crate::hyperparams::{AdamParams, LearningRateSchedule, RmsPropParams, SgdParams};
use crate::nn::device::tensor::Tensor;
use crate::shape::{expect_same, rows_cols};

impl TrainingOps for CpuDevice {
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

    fn top_k_accuracy_forward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        k: usize,
        sparse: bool,
    ) -> Result<Tensor> {
        let op = "top_k_accuracy_forward";
        let (rows, cols) = rows_cols(probs.shape());
        let (p, y) = (probs.host_f32(op)?, labels.host_f32(op)?);
        match sparse {
            true => check_len(op, &[rows], labels.len())?,
            false => check_len(op, probs.shape(), labels.len())?,
        }
        if sparse {
            if let Some(bad) = y.iter().find(|&&l| !(l >= 0.0 && (l as usize) < cols)) {
                return crate::error::shape_err(
                    op,
                    format!("label {bad} is not a class index below {cols}"),
                );
            }
        }
        let hits = cpu::top_k_accuracy_forward(p, y, rows, cols, k, sparse);
        Ok(Tensor::cpu(&[rows], hits))
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

    fn adam_step(&self, state: &mut Tensor, hp: &AdamParams) -> Result<()> {
        cpu::adam_step(state.host_u32_mut("adam_step")?, hp);
        Ok(())
    }

    // The updates read their rate from the `lr` tensor, as the kernels do.
    fn adam_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        [m, v]: [&mut Tensor; 2],
        step: &Tensor,
        lr: &Tensor,
        hp: &AdamParams,
    ) -> Result<()> {
        let op = "adam_update";
        let t = step.host_u32(op)?[0];
        let hp = &AdamParams {
            lr: rate(op, lr)?,
            ..*hp
        };
        let (m, v) = (m.host_f32_mut(op)?, v.host_f32_mut(op)?);
        cpu::adam_update(param.host_f32_mut(op)?, grad.host_f32(op)?, m, v, t, hp);
        Ok(())
    }

    fn sgd_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        velocity: &mut Tensor,
        lr: &Tensor,
        hp: &SgdParams,
    ) -> Result<()> {
        let op = "sgd_update";
        let hp = &SgdParams {
            lr: rate(op, lr)?,
            ..*hp
        };
        let velocity = velocity.host_f32_mut(op)?;
        cpu::sgd_update(param.host_f32_mut(op)?, grad.host_f32(op)?, velocity, hp);
        Ok(())
    }

    fn rmsprop_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        [velocity, momentum]: [&mut Tensor; 2],
        lr: &Tensor,
        hp: &RmsPropParams,
    ) -> Result<()> {
        let op = "rmsprop_update";
        let hp = &RmsPropParams {
            lr: rate(op, lr)?,
            ..*hp
        };
        let (v, m) = (velocity.host_f32_mut(op)?, momentum.host_f32_mut(op)?);
        cpu::rmsprop_update(param.host_f32_mut(op)?, grad.host_f32(op)?, v, m, hp);
        Ok(())
    }

    fn lr_schedule_forward(
        &self,
        schedule: &LearningRateSchedule,
        step: &Tensor,
        _table: &Tensor,
        lr: &mut Tensor,
    ) -> Result<()> {
        let op = "lr_schedule_forward";
        let done = step.host_u32(op)?[0].max(1) - 1;
        lr.host_f32_mut(op)?[0] = cpu::lr_schedule_forward(schedule, done as u64);
        Ok(())
    }

    fn regularize_forward(
        &self,
        w: &Tensor,
        l1: f32,
        l2: f32,
        scale: f32,
        out: &mut Tensor,
    ) -> Result<()> {
        let op = "regularize_forward";
        let penalty = cpu::regularize_forward(w.host_f32(op)?, l1, l2);
        let o = out.host_f32_mut(op)?;
        check_len(op, &[1], o.len())?;
        o[0] += (scale as f64 * penalty) as f32;
        Ok(())
    }

    fn regularize_backward(&self, w: &Tensor, grad: &mut Tensor, l1: f32, l2: f32) -> Result<()> {
        let op = "regularize_backward";
        expect_same(op, ("w", w.shape()), ("grad", grad.shape()))?;
        cpu::regularize_backward(w.host_f32(op)?, grad.host_f32_mut(op)?, l1, l2);
        Ok(())
    }

    fn weight_decay_update(&self, param: &mut Tensor, wd: f32, lr: &Tensor) -> Result<()> {
        let op = "weight_decay_update";
        cpu::weight_decay_update(param.host_f32_mut(op)?, wd, rate(op, lr)?);
        Ok(())
    }

    fn clip_update(&self, grad: &mut Tensor, clip: GradientClip) -> Result<()> {
        let g = grad.host_f32_mut("clip_update")?;
        match clip {
            GradientClip::Norm(c) => cpu::clip_norm_update(g, c),
            GradientClip::Value(c) => cpu::clip_value_update(g, c),
        }
        Ok(())
    }
}

/// The rate in an optimizer's one-element `lr` tensor.
fn rate(op: &'static str, lr: &Tensor) -> Result<f32> {
    check_len(op, &[1], lr.len())?;
    Ok(lr.host_f32(op)?[0])
}
