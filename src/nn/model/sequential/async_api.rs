//! The async face of training, for callers that must not block — the browser build, where
//! WebGPU hands values back only through the page's event loop: one epoch of `fit`,
//! `evaluate`, `predict` and `get_weights`, each read-back awaited instead of waited for.
//! The numbers are those of the blocking calls (same steps, same order, same sums).
//! Natively the futures wait as the blocking calls do (drive them with any executor, e.g.
//! `pollster::block_on`), so these run in the native tests too.

use web_time::Instant;

use super::step::{batch_dims, Totals};
use super::{NamedArray, Sequential};
use crate::array::Array;
use crate::error::{Error, Result};
use crate::history::EpochLog;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::{Device, PendingValues};
use crate::nn::training::feed::Feed;
use crate::nn::{Evaluation, FitOptions};

/// The values of a [`PendingValues`] read, awaited (on the GPU through
/// `Gpu::read_values`; on the CPU device they are already there).
pub async fn read_values(dev: &Device, read: PendingValues) -> Result<Vec<f32>> {
    match (read, dev.gpu()) {
        (PendingValues::Gpu(Some(r)), Some(gpu)) => gpu.read_values(r).await,
        (mut other, _) => dev
            .wait_read(&mut other)?
            .ok_or_else(|| Error::Model("read_values: these values were already taken".into())),
    }
}

impl Sequential {
    /// One epoch of [`fit`](Self::fit) (the next one: numbered after the epochs trained so
    /// far), with the read-backs awaited: every `read_every` steps the running loss and
    /// accuracy are read back (one read in flight while the next steps are recorded, never
    /// inside a step) and handed to `on_progress(step, steps, loss, accuracy)`. Uses
    /// `opts`' batch size, validation split and shuffle (not its epochs, callbacks or stop
    /// flag); the epoch's log is added to the model's history and returned.
    pub async fn fit_epoch_async(
        &mut self,
        x: &Array,
        y: &Array,
        opts: &FitOptions,
        read_every: usize,
        on_progress: &mut dyn FnMut(usize, usize, f32, Option<f32>),
    ) -> Result<EpochLog> {
        self.check_data("fit_epoch_async", x, y)?;
        if opts.batch_size == 0 {
            return Err(Error::Model(
                "fit_epoch_async: batch_size must be at least 1".into(),
            ));
        }
        let n = x.rows();
        let split = opts.training_rows(n)?;
        let dev = self.device.clone();
        self.check_fits(opts.batch_size)?;
        let mut train = Feed::new(&dev, x, Some(y), 0..split, opts.batch_size, self.resident)?;
        let t0 = Instant::now();
        if self.order.len() != split || !opts.shuffle {
            self.order = (0..split).collect();
        }
        self.shuffles = opts.shuffle;
        if opts.shuffle {
            rand::seq::SliceRandom::shuffle(&mut self.order[..], &mut self.shuffle_rng);
            self.log_shuffle(split);
        }
        let epoch = self.history.len() + 1;
        train.start(&dev, Some(&self.order))?;
        let steps = train.steps();
        let mut totals = self.totals()?;
        let mut in_flight: Option<(PendingValues, usize, usize)> = None;
        for s in 0..steps {
            let (xt, yt) = train.batch(&dev, s)?;
            self.train_step(&xt, &yt.expect("labels"), &mut totals)?;
            let done = s + 1;
            if read_every == 0 || done % read_every != 0 || done == steps {
                continue;
            }
            // Await the previous reading (the GPU is busy with the steps since), then
            // start this one: the page's thread yields here and only here.
            if let Some((p, at, samples)) = in_flight.take() {
                self.report(p, at, steps, samples, epoch, on_progress)
                    .await?;
            }
            let sums = dev.read_async(&[&totals.loss, &totals.correct])?;
            in_flight = Some((sums, done, totals.samples));
        }
        if let Some((p, at, samples)) = in_flight.take() {
            self.report(p, at, steps, samples, epoch, on_progress)
                .await?;
        }
        let means = self.read_totals_async(&totals).await?;
        if !means.loss.is_finite() {
            return Err(Error::NonFiniteLoss {
                epoch,
                step: steps,
                value: means.loss,
            });
        }
        on_progress(steps, steps, means.loss, means.accuracy);
        let val = match split < n {
            true => {
                let batch = self.eval_batch(n - split)?;
                let mut feed = Feed::new(&dev, x, Some(y), split..n, batch, self.resident)?;
                Some(self.evaluate_feed_async(&mut feed).await?)
            }
            false => None,
        };
        let log = EpochLog {
            epoch,
            epochs: epoch,
            loss: means.loss,
            accuracy: means.accuracy,
            val_loss: val.map(|e| e.loss),
            val_accuracy: val.and_then(|e| e.accuracy),
            top_k_categorical_accuracy: means.top_k_categorical_accuracy,
            val_top_k_categorical_accuracy: val.and_then(|e| e.top_k_categorical_accuracy),
            steps,
            learning_rate: self.compiled.as_ref().map(|c| c.learning_rate()),
            seconds: t0.elapsed().as_secs_f64(),
        };
        self.history.push(log.clone());
        Ok(log)
    }

    /// Hand one running reading to `on_progress` (an error if the loss is not finite).
    async fn report(
        &self,
        read: PendingValues,
        at: usize,
        steps: usize,
        samples: usize,
        epoch: usize,
        on_progress: &mut dyn FnMut(usize, usize, f32, Option<f32>),
    ) -> Result<()> {
        let sums = read_values(&self.device, read).await?;
        let m = self.mean_totals(&sums, samples);
        if !m.loss.is_finite() {
            return Err(Error::NonFiniteLoss {
                epoch,
                step: at,
                value: m.loss,
            });
        }
        on_progress(at, steps, m.loss, m.accuracy);
        Ok(())
    }

    /// [`evaluate`](Self::evaluate) with the one read-back awaited.
    pub async fn evaluate_async(&self, x: &Array, y: &Array) -> Result<Evaluation> {
        self.check_data("evaluate_async", x, y)?;
        let batch = self.eval_batch(x.rows())?;
        let dev = self.device.clone();
        let mut feed = Feed::new(&dev, x, Some(y), 0..x.rows(), batch, self.resident)?;
        self.evaluate_feed_async(&mut feed).await
    }

    async fn evaluate_feed_async(&self, feed: &mut Feed<'_>) -> Result<Evaluation> {
        let dev = self.device.clone();
        feed.start(&dev, None)?;
        let mut totals = self.totals()?;
        for s in 0..feed.steps() {
            let (xt, yt) = feed.batch(&dev, s)?;
            let out = self.call(&xt)?;
            self.loss(&out, &yt.expect("labels"), &mut totals, false)?;
        }
        self.read_totals_async(&totals).await
    }

    /// The means of `totals`, in one awaited read.
    async fn read_totals_async(&self, t: &Totals) -> Result<Evaluation> {
        let read = self.device.read_async(&[&t.loss, &t.correct, &t.top_k])?;
        let sums = read_values(&self.device, read).await?;
        Ok(self.mean_totals(&sums, t.samples))
    }

    /// [`predict`](Self::predict) with the one read-back awaited.
    pub async fn predict_async(&self, x: &Array) -> Result<Array> {
        self.check_input("predict_async", x)?;
        let batch = self.eval_batch(x.rows())?;
        let dev = self.device.clone();
        let mut feed = Feed::new(&dev, x, None, 0..x.rows(), batch, self.resident)?;
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
        let read = dev.read_async(&outs.iter().collect::<Vec<_>>())?;
        let out = read_values(&dev, read).await?;
        Array::new(&batch_dims(x.rows(), self.output_shape()), out)
    }

    /// [`get_weights`](Self::get_weights) in one awaited read (for
    /// [`weights_file_bytes_of`](Self::weights_file_bytes_of) in the browser).
    pub async fn get_weights_async(&self) -> Result<Vec<NamedArray>> {
        let weights = self.weight_tensors()?;
        let tensors: Vec<&Tensor> = weights.iter().map(|(_, _, t)| *t).collect();
        let read = self.device.read_async(&tensors)?;
        let mut values = read_values(&self.device, read).await?.into_iter();
        weights
            .into_iter()
            .map(|(name, shape, _)| {
                let n = shape.iter().product();
                let array = Array::new(&shape, values.by_ref().take(n).collect())?;
                Ok(NamedArray { name, array })
            })
            .collect()
    }
}
