//! One step and one pass: `train_on_batch`, the forward/loss/backward/update of a training
//! step, `evaluate` and `predict`, and the loss and accuracy sums kept on the device.

use super::fit::stopping;
use super::Sequential;
use crate::array::Array;
use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::training::feed::Feed;
use crate::nn::training::loss::Loss;

/// Loss and (when compiled with it) accuracy over a dataset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean loss over the samples.
    pub loss: f32,
    /// Accuracy over the samples, when compiled with it.
    pub accuracy: Option<f32>,
    /// Keras's top_k_categorical_accuracy, when compiled with it.
    pub top_k_categorical_accuracy: Option<f32>,
}

/// Running sums over an epoch, kept on the device.
pub(super) struct Totals {
    pub(super) loss: Tensor,
    pub(super) correct: Tensor,
    /// Top-k hits (when compiled with top_k_categorical_accuracy).
    pub(super) top_k: Tensor,
    pub(super) samples: usize,
}

pub(super) fn batch_dims(n: usize, sample: &[usize]) -> Vec<usize> {
    let mut v = vec![n];
    v.extend_from_slice(sample);
    v
}

impl Sequential {
    /// One optimizer step on one batch; returns that batch's mean loss (reads it back).
    pub fn train_on_batch(&mut self, x: &Array, y: &Array) -> Result<f32> {
        self.check_data("train_on_batch", x, y)?;
        let xt = self.device.upload(&x.shape, &x.data)?;
        let yt = self.device.upload(&y.shape, &y.data)?;
        let mut totals = self.totals()?;
        self.train_step(&xt, &yt, &mut totals)?;
        Ok(self.read_totals(&totals)?.loss)
    }

    /// Loss (and accuracy, if compiled with it) over all of x, y in batches.
    /// Inference only (`Layer::call`): a shared `&Sequential` may evaluate from several
    /// threads at once.
    pub fn evaluate(&self, x: &Array, y: &Array) -> Result<Evaluation> {
        self.check_data("evaluate", x, y)?;
        let batch = self.eval_batch(x.rows())?;
        let dev = self.device.clone();
        let rows = 0..x.rows();
        let mut feed = Feed::new(&dev, x, Some(y), rows, batch, self.resident)?;
        Ok(self.evaluate_feed(&mut feed, None)?.expect("no stop flag"))
    }

    /// Loss and accuracy over a feed; `None` when `stop` was set (checked every batch).
    pub(super) fn evaluate_feed(
        &self,
        feed: &mut Feed,
        stop: Option<&std::sync::atomic::AtomicBool>,
    ) -> Result<Option<Evaluation>> {
        let dev = self.device.clone();
        feed.start(&dev, None)?;
        let mut totals = self.totals()?;
        for s in 0..feed.steps() {
            if stopping(stop) {
                return Ok(None);
            }
            let (xt, yt) = feed.batch(&dev, s)?;
            let out = self.call(&xt)?;
            self.loss(&out, &yt.expect("labels"), &mut totals, false)?;
        }
        Ok(Some(self.read_totals(&totals)?))
    }

    /// The model's outputs for x (probabilities for a softmax model), in batches. The
    /// outputs stay on the device until the end, then come back in one read. Inference
    /// only (`Layer::call`): a shared `&Sequential` may predict from several threads.
    pub fn predict(&self, x: &Array) -> Result<Array> {
        self.check_input("predict", x)?;
        let batch = self.eval_batch(x.rows())?;
        let dev = self.device.clone();
        let rows = 0..x.rows();
        let mut feed = Feed::new(&dev, x, None, rows, batch, self.resident)?;
        feed.start(&dev, None)?;
        let fused = self.compiled.as_ref().and_then(|c| c.fused_activation());
        let mut outs = Vec::with_capacity(feed.steps());
        for s in 0..feed.steps() {
            let (xt, _) = feed.batch(&dev, s)?;
            let mut y = self.call(&xt)?;
            if let Some(act) = fused {
                y = dev.activation_forward(act, &y)?;
            }
            outs.push(y);
        }
        let mut out = Vec::with_capacity(x.rows() * self.output_shape().iter().product::<usize>());
        for y in &outs {
            out.extend(dev.download(y)?);
        }
        Array::new(&batch_dims(x.rows(), self.output_shape()), out)
    }

    pub(super) fn train_step(&mut self, x: &Tensor, y: &Tensor, totals: &mut Totals) -> Result<()> {
        let out = self.forward(x)?;
        let mut d = self.loss(&out, y, totals, true)?.expect("gradient");
        // As planned (`fusion::plan`): dx is needed only while some earlier layer has
        // trainable parameters: the first trainable layer (e.g. the Dense after the MLP's
        // Flatten) skips its input gradient, and the layers before it do not run backward.
        let c = self.compiled.as_mut().expect("compiled");
        for (l, part) in self.layers.iter_mut().zip(&c.plan.layers).rev() {
            if !part.backward {
                break;
            }
            match l.backward(&self.device, &d, part.need_dx)? {
                Some(dx) => d = dx,
                None => break,
            }
        }
        let params = self
            .layers
            .iter_mut()
            .flat_map(|l| l.trainable_params_mut())
            .collect();
        let schedule = c.schedule.as_ref();
        c.state
            .apply(&self.device, &c.optimizer, c.clip, schedule, params)
    }

    /// Add the batch's loss (and correct count) to `totals`; with `grad`, return dL/d(out).
    pub(super) fn loss(
        &self,
        out: &Tensor,
        y: &Tensor,
        totals: &mut Totals,
        grad: bool,
    ) -> Result<Option<Tensor>> {
        let c = self.compiled.as_ref().ok_or_else(|| Error::NotReady {
            call: "fit / evaluate",
            why: "the model is not compiled (it has no loss)".into(),
            first: "compile",
        })?;
        let dev = &self.device;
        let rows = out.shape()[0];
        let width = out.len() / rows.max(1);
        totals.samples += rows;
        // A training step's cross-entropy with at most accuracy: one op (one dispatch on
        // the GPU) for the loss, its gradient and the step's sums.
        if grad && c.plan.one_dispatch_loss {
            let sparse = c.loss == Loss::SparseCategoricalCrossentropy;
            let correct = c.accuracy.then_some(&mut totals.correct);
            let scale = 1.0 / rows as f32;
            let d = dev.cross_entropy_step(sparse, out, y, scale, &mut totals.loss, correct)?;
            return Ok(Some(d));
        }
        let (probs, d) = match c.loss {
            Loss::CategoricalCrossentropy => {
                let (probs, row_loss) = dev.softmax_cross_entropy_forward(out, y)?;
                dev.sum_into(&row_loss, 1.0, &mut totals.loss, true)?;
                let d = grad
                    .then(|| dev.softmax_cross_entropy_backward(&probs, y, 1.0 / rows as f32))
                    .transpose()?;
                (probs, d)
            }
            Loss::SparseCategoricalCrossentropy => {
                let (probs, row_loss) = dev.sparse_softmax_cross_entropy_forward(out, y)?;
                dev.sum_into(&row_loss, 1.0, &mut totals.loss, true)?;
                let d = grad
                    .then(|| {
                        dev.sparse_softmax_cross_entropy_backward(&probs, y, 1.0 / rows as f32)
                    })
                    .transpose()?;
                (probs, d)
            }
            Loss::BinaryCrossentropy => {
                let (probs, elem_loss) = dev.sigmoid_cross_entropy_forward(out, y)?;
                dev.sum_into(&elem_loss, 1.0 / width as f32, &mut totals.loss, true)?;
                let scale = 1.0 / (rows * width) as f32;
                let d = grad
                    .then(|| dev.sigmoid_cross_entropy_backward(&probs, y, scale))
                    .transpose()?;
                (probs, d)
            }
            Loss::MeanSquaredError => {
                let sq = dev.mse_forward(out, y)?;
                dev.sum_into(&sq, 1.0 / width as f32, &mut totals.loss, true)?;
                let d = grad
                    .then(|| dev.mse_backward(out, y, 1.0 / (rows * width) as f32))
                    .transpose()?;
                (out.clone(), d)
            }
        };
        if c.accuracy {
            let correct = match c.loss {
                Loss::SparseCategoricalCrossentropy => dev.sparse_accuracy_forward(&probs, y)?,
                Loss::BinaryCrossentropy => dev.binary_accuracy_forward(&probs, y)?,
                _ => dev.accuracy_forward(&probs, y)?,
            };
            dev.sum_into(&correct, 1.0, &mut totals.correct, true)?;
        }
        if let Some(k) = c.top_k {
            let sparse = c.loss == Loss::SparseCategoricalCrossentropy;
            let hits = dev.top_k_accuracy_forward(&probs, y, k, sparse)?;
            dev.sum_into(&hits, 1.0, &mut totals.top_k, true)?;
        }
        Ok(d)
    }

    pub(super) fn totals(&self) -> Result<Totals> {
        Ok(Totals {
            loss: self.device.zeros(&[1])?,
            correct: self.device.zeros(&[1])?,
            top_k: self.device.zeros(&[1])?,
            samples: 0,
        })
    }

    /// The means so far; reads back from the GPU.
    pub(super) fn read_totals(&self, t: &Totals) -> Result<Evaluation> {
        let loss = self.device.download(&t.loss)?[0];
        let correct = self.device.download(&t.correct)?[0];
        let mut sums = vec![loss, correct];
        if self.compiled.as_ref().is_some_and(|c| c.top_k.is_some()) {
            sums.push(self.device.download(&t.top_k)?[0]);
        }
        Ok(self.mean_totals(&sums, t.samples))
    }

    /// The means from the summed [loss, correct(, top-k hits)] over `samples`.
    pub(super) fn mean_totals(&self, sums: &[f32], samples: usize) -> Evaluation {
        let n = samples.max(1) as f32;
        let c = self.compiled.as_ref();
        Evaluation {
            loss: sums[0] / n,
            accuracy: c.filter(|c| c.accuracy).map(|_| sums[1] / n),
            top_k_categorical_accuracy: c
                .and_then(|c| c.top_k)
                .and_then(|_| sums.get(2))
                .map(|s| s / n),
        }
    }
}
