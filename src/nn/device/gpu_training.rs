//! The GPU device's losses, metrics and optimizer updates: each calls its launcher in
//! `crate::ops`.

use super::gpu::g;
use super::TrainingOps;
use crate::error::Result;
use crate::gpu::Gpu;
use crate::hyperparams::GradientClip;
use crate::hyperparams::{AdamParams, LearningRateSchedule, RmsPropParams, SgdParams};
use crate::nn::device::tensor::Tensor;
use crate::ops;

impl TrainingOps for Gpu {
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

    fn cross_entropy_step(
        &self,
        sparse: bool,
        logits: &Tensor,
        labels: &Tensor,
        scale: f32,
        loss_total: &mut Tensor,
        correct_total: Option<&mut Tensor>,
    ) -> Result<Tensor> {
        let op = "cross_entropy_step";
        let (logits, labels, loss) = (g(op, logits)?, g(op, labels)?, g(op, loss_total)?);
        let correct = correct_total.map(|t| g(op, t)).transpose()?;
        let d = match sparse {
            true => {
                ops::sparse_softmax_cross_entropy_step(self, logits, labels, scale, loss, correct)?
            }
            false => ops::softmax_cross_entropy_step(self, logits, labels, scale, loss, correct)?,
        };
        Ok(Tensor::Gpu(d))
    }

    fn sparse_accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor> {
        let (probs, labels) = (g("accuracy", probs)?, g("accuracy", labels)?);
        Ok(Tensor::Gpu(ops::sparse_accuracy_forward(
            self, probs, labels,
        )?))
    }

    fn top_k_accuracy_forward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        k: usize,
        sparse: bool,
    ) -> Result<Tensor> {
        let (probs, labels) = (g("top_k_accuracy", probs)?, g("top_k_accuracy", labels)?);
        let hits = ops::top_k_accuracy_forward(self, probs, labels, k, sparse)?;
        Ok(Tensor::Gpu(hits))
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

    fn adam_step(&self, state: &mut Tensor, hp: &AdamParams) -> Result<()> {
        ops::adam_step(self, g("adam_step", state)?, hp)
    }

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
        let (param, grad) = (g(op, param)?, g(op, grad)?);
        let counters = [g(op, step)?, g(op, lr)?];
        ops::adam_update(self, param, grad, [g(op, m)?, g(op, v)?], counters, hp)
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
        let (param, grad, lr) = (g(op, param)?, g(op, grad)?, g(op, lr)?);
        ops::sgd_update(self, param, grad, g(op, velocity)?, lr, hp)
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
        let (param, grad, lr) = (g(op, param)?, g(op, grad)?, g(op, lr)?);
        let slots = [g(op, velocity)?, g(op, momentum)?];
        ops::rmsprop_update(self, param, grad, slots, lr, hp)
    }

    fn lr_schedule_forward(
        &self,
        schedule: &LearningRateSchedule,
        step: &Tensor,
        table: &Tensor,
        lr: &mut Tensor,
    ) -> Result<()> {
        let op = "lr_schedule_forward";
        let (step, table, lr) = (g(op, step)?, g(op, table)?, g(op, lr)?);
        ops::lr_schedule_forward(self, schedule, step, table, lr)
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
        ops::regularize_penalty_into(self, g(op, w)?, l1, l2, scale, g(op, out)?)
    }

    fn regularize_backward(&self, w: &Tensor, grad: &mut Tensor, l1: f32, l2: f32) -> Result<()> {
        let op = "regularize_backward";
        ops::regularize_backward(self, g(op, w)?, g(op, grad)?, l1, l2)
    }

    fn weight_decay_update(&self, param: &mut Tensor, wd: f32, lr: &Tensor) -> Result<()> {
        let op = "weight_decay_update";
        ops::weight_decay_update(self, g(op, param)?, wd, g(op, lr)?)
    }

    fn clip_update(&self, grad: &mut Tensor, clip: GradientClip) -> Result<()> {
        let grad = g("clip_update", grad)?;
        match clip {
            GradientClip::Norm(c) => ops::clip_norm_update(self, grad, c),
            GradientClip::Value(c) => ops::clip_value_update(self, grad, c),
        }
    }
}
