//! `TrainingOps`: the ops of a training step's end (losses, metrics, optimizer updates,
//! the learning-rate schedule), part of every `DeviceOps`; implemented in
//! `gpu_training.rs` and `cpu_training.rs`.

use crate::error::Result;
use crate::hyperparams::GradientClip;
use crate::hyperparams::{AdamParams, LearningRateSchedule, RmsPropParams, SgdParams};
use crate::nn::device::tensor::Tensor;

/// The ops of a training step's end — losses, metrics, optimizer updates — implemented
/// once per device (`cpu_training.rs`, `gpu_training.rs`); part of every `DeviceOps`.
pub trait TrainingOps {
    /// `logits[r,c]`, one-hot `labels[r,c]` → (`probs[r,c]`, `row_loss[r]`).
    fn softmax_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)>;
    /// dlogits = (probs − labels) · scale.
    fn softmax_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor>;
    /// `logits[r,c]`, class indices `labels[r]` → (`probs[r,c]`, `row_loss[r]`).
    fn sparse_softmax_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)>;
    /// dlogits = (probs − onehot(labels)) · scale.
    fn sparse_softmax_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor>;
    /// `correct[r]` = 1 where argmax(`probs[r]`) == `labels[r]`.
    fn sparse_accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor>;
    /// A training step's (sparse) softmax cross-entropy: dlogits, with the row losses'
    /// sum added to `loss_total` `[1]` and the argmax hits' count to `correct_total` `[1]`
    /// when given. Here the separate ops (the CPU device); the GPU does it in one
    /// dispatch with the same bits (`ops::softmax_cross_entropy_step`).
    fn cross_entropy_step(
        &self,
        sparse: bool,
        logits: &Tensor,
        labels: &Tensor,
        scale: f32,
        loss_total: &mut Tensor,
        correct_total: Option<&mut Tensor>,
    ) -> Result<Tensor> {
        let (probs, row_loss) = match sparse {
            true => self.sparse_softmax_cross_entropy_forward(logits, labels)?,
            false => self.softmax_cross_entropy_forward(logits, labels)?,
        };
        self.sum_into(&row_loss, 1.0, loss_total, true)?;
        if let Some(total) = correct_total {
            let correct = match sparse {
                true => self.sparse_accuracy_forward(&probs, labels)?,
                false => self.accuracy_forward(&probs, labels)?,
            };
            self.sum_into(&correct, 1.0, total, true)?;
        }
        match sparse {
            true => self.sparse_softmax_cross_entropy_backward(&probs, labels, scale),
            false => self.softmax_cross_entropy_backward(&probs, labels, scale),
        }
    }
    /// `correct[r]` = 1 where the labelled class (one-hot `labels[r,c]`, or class indices
    /// `labels[r]` when `sparse`) ranks within the top k of `probs[r]`.
    fn top_k_accuracy_forward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        k: usize,
        sparse: bool,
    ) -> Result<Tensor>;
    /// logits, labels (same shape) → (probs = σ(logits), elementwise binary cross-entropy).
    fn sigmoid_cross_entropy_forward(
        &self,
        logits: &Tensor,
        labels: &Tensor,
    ) -> Result<(Tensor, Tensor)>;
    /// dlogits = (probs − labels) · scale.
    fn sigmoid_cross_entropy_backward(
        &self,
        probs: &Tensor,
        labels: &Tensor,
        scale: f32,
    ) -> Result<Tensor>;
    /// `correct[r]` = share of row r's outputs on the labelled side of 0.5.
    fn binary_accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor>;
    /// (pred − truth)² elementwise.
    fn mse_forward(&self, pred: &Tensor, truth: &Tensor) -> Result<Tensor>;
    /// 2·(pred − truth)·scale.
    fn mse_backward(&self, pred: &Tensor, truth: &Tensor, scale: f32) -> Result<Tensor>;
    /// `correct[r]` = 1 where argmax(`probs[r]`) == argmax(`labels[r]`).
    fn accuracy_forward(&self, probs: &Tensor, labels: &Tensor) -> Result<Tensor>;
    /// `out[0]` (+)= scale · Σ x.
    fn sum_into(&self, x: &Tensor, scale: f32, out: &mut Tensor, accumulate: bool) -> Result<()>;
    /// Advance Adam's step state `state` `[3]` (u32: t, then the bias corrections
    /// 1 − β1^t and 1 − β2^t as f32 bits, exact: `cpu::adam_step`).
    fn adam_step(&self, state: &mut Tensor, hp: &AdamParams) -> Result<()>;
    /// One Adam update in place; `step` is the (already advanced) step state `[3]`.
    /// The optimizers' updates read their rate from `lr` `[1]` (not `hp.lr`): a constant
    /// written when it is set, or a schedule's, written by `lr_schedule_forward`.
    fn adam_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        slots: [&mut Tensor; 2],
        step: &Tensor,
        lr: &Tensor,
        hp: &AdamParams,
    ) -> Result<()>;
    /// One RMSprop update in place (slots velocity and momentum).
    fn rmsprop_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        slots: [&mut Tensor; 2],
        lr: &Tensor,
        hp: &RmsPropParams,
    ) -> Result<()>;
    /// `lr[0]` ← the schedule's rate for the update the (advanced) `step` counter counts;
    /// `table` holds `ops::lr_schedule_table(schedule)` (read by the GPU kernel).
    fn lr_schedule_forward(
        &self,
        schedule: &LearningRateSchedule,
        step: &Tensor,
        table: &Tensor,
        lr: &mut Tensor,
    ) -> Result<()>;
    /// Clip a gradient in place (Keras's clipnorm / clipvalue).
    fn clip_update(&self, grad: &mut Tensor, clip: GradientClip) -> Result<()>;
    /// `out[0]` += scale · (l1·Σ|w| + l2·Σw²): a weight's L1/L2 penalty (Keras's
    /// regularizers) added to a loss sum, on the device (reduced in parts, then summed).
    fn regularize_forward(
        &self,
        w: &Tensor,
        l1: f32,
        l2: f32,
        scale: f32,
        out: &mut Tensor,
    ) -> Result<()>;
    /// `grad` += l1·sign(w) + 2·l2·w in place (sign(0) = 0): the penalty's gradient.
    fn regularize_backward(&self, w: &Tensor, grad: &mut Tensor, l1: f32, l2: f32) -> Result<()>;
    /// Decoupled weight decay in place: param −= param·wd·lr (AdamW, before its update).
    fn weight_decay_update(&self, param: &mut Tensor, wd: f32, lr: &Tensor) -> Result<()>;
    /// One SGD (momentum / Nesterov) update in place.
    fn sgd_update(
        &self,
        param: &mut Tensor,
        grad: &Tensor,
        velocity: &mut Tensor,
        lr: &Tensor,
        hp: &SgdParams,
    ) -> Result<()>;
}
