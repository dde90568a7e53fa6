//! `fit`: the training loop — epochs, shuffling, the steps of one epoch with the progress
//! bar's non-blocking reads of the running loss, validation, and the per-epoch callback.

use std::time::Instant;

use rand::seq::SliceRandom;

use super::Sequential;
use crate::array::Array;
use crate::error::{Error, Result};
use crate::history::{EpochLog, History};
use crate::nn::training::callbacks::{
    EarlyStopping, EarlyStoppingState, ReduceLROnPlateau, ReduceLROnPlateauState,
};
use crate::nn::training::feed::Feed;
use crate::nn::training::progress::{EpochProgress, Verbose};

/// The most steps between the progress bar's asynchronous reads of the running loss …
const READ_EVERY: usize = 16;
/// … which come about this often (fewer steps apart when steps are slow).
const READ_INTERVAL: std::time::Duration = std::time::Duration::from_millis(150);

/// Options of [`Sequential::fit`], Keras's keyword arguments.
#[derive(Clone, Debug)]
pub struct FitOptions {
    /// The epoch to stop after (1-based, as Keras's `epochs`).
    pub epochs: usize,
    /// Epochs already done (Keras's `initial_epoch`): training runs epochs
    /// `initial_epoch + 1 ..= epochs`, numbered so. Used to resume from a checkpoint.
    pub initial_epoch: usize,
    /// Samples per training step.
    pub batch_size: usize,
    /// Fraction of the samples, taken from the end before any shuffling (as Keras), held
    /// out for validation after each epoch.
    pub validation_split: f32,
    /// Reshuffle the training samples every epoch (Keras's `shuffle`, default true). When
    /// false, every epoch sees the training rows in their order in `x` (as Keras's
    /// `shuffle=False`), whatever an earlier fit did.
    pub shuffle: bool,
    /// What is printed while training.
    pub verbose: Verbose,
    /// Set to true (from a signal handler, another thread) to stop: `fit` returns
    /// [`Error::Interrupted`] at the next step boundary, before the epoch's callback, so
    /// the last checkpoint written is the last complete epoch.
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Keras's `EarlyStopping` callback: stop when the monitored value stops improving
    /// (`History::stopped_epoch` says where), and optionally restore the best weights.
    pub early_stopping: Option<EarlyStopping>,
    /// Keras's `ReduceLROnPlateau` callback: lower the learning rate when the monitored
    /// value stops improving (the rate of each epoch is in its log).
    pub reduce_lr_on_plateau: Option<ReduceLROnPlateau>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            epochs: 1,
            initial_epoch: 0,
            batch_size: 32,
            validation_split: 0.0,
            shuffle: true,
            verbose: Verbose::Auto,
            stop: None,
            early_stopping: None,
            reduce_lr_on_plateau: None,
        }
    }
}

impl FitOptions {
    /// How many of `n` samples `fit` trains on: the first ⌈n·(1 − validation_split)⌉, as
    /// Keras (the rest, the last ones, are the validation set). An error when the split
    /// is outside [0, 1) or leaves an empty training or validation set.
    pub fn training_rows(&self, n: usize) -> Result<usize> {
        let v = self.validation_split;
        if !(0.0..1.0).contains(&v) {
            return Err(Error::Model(format!(
                "fit: FitOptions::validation_split must be in [0, 1), got {v}"
            )));
        }
        let split = (((n as f64) * (1.0 - v as f64)).ceil() as usize).min(n);
        if split == 0 || (v > 0.0 && split == n) {
            return Err(Error::Model(format!(
                "fit: FitOptions::validation_split {v} of {n} samples leaves an empty \
                 training or validation set; use more samples or another split"
            )));
        }
        Ok(split)
    }
}

/// True once `stop` (a [`FitOptions::stop`] flag) was set.
pub(super) fn stopping(stop: Option<&std::sync::atomic::AtomicBool>) -> bool {
    stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
}

fn check_finite(loss: f32, epoch: usize, step: usize) -> Result<()> {
    if loss.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFiniteLoss {
            epoch,
            step,
            value: loss,
        })
    }
}

impl Sequential {
    /// Train for `opts.epochs` epochs; returns the per-epoch history.
    pub fn fit(&mut self, x: &Array, y: &Array, opts: &FitOptions) -> Result<History> {
        self.fit_with(x, y, opts, |_| {})
    }

    /// Like [`fit`](Self::fit), calling `on_epoch` after every epoch (Keras's callbacks).
    pub fn fit_with(
        &mut self,
        x: &Array,
        y: &Array,
        opts: &FitOptions,
        mut on_epoch: impl FnMut(&EpochLog),
    ) -> Result<History> {
        self.fit_checkpointed(x, y, opts, |_, log| {
            on_epoch(log);
            Ok(())
        })
    }

    /// Like [`fit_with`](Self::fit_with), but the callback also sees the model as it is
    /// after the epoch (e.g. to [`save`](Self::save) a checkpoint) and may stop training
    /// with an error.
    pub fn fit_checkpointed(
        &mut self,
        x: &Array,
        y: &Array,
        opts: &FitOptions,
        mut on_epoch: impl FnMut(&Sequential, &EpochLog) -> Result<()>,
    ) -> Result<History> {
        self.check_data("fit", x, y)?;
        if opts.batch_size == 0 {
            return Err(Error::Model("fit: batch_size must be at least 1".into()));
        }
        let n = x.rows();
        let split = opts.training_rows(n)?;
        let (dev, batch_size) = (self.device.clone(), opts.batch_size);
        self.check_fits(batch_size)?;
        let eval_batch_size = self.eval_batch(n - split)?;
        let mut train = Feed::new(&dev, x, Some(y), 0..split, batch_size, self.resident)?;
        let mut val = match split < n {
            true => Some(Feed::new(
                &dev,
                x,
                Some(y),
                split..n,
                eval_batch_size,
                self.resident,
            )?),
            false => None,
        };
        if opts.initial_epoch >= opts.epochs {
            return Err(Error::Model(format!(
                "fit: initial_epoch {} leaves nothing to train with epochs {} (epochs is the \
                 last epoch's number, not a count)",
                opts.initial_epoch, opts.epochs
            )));
        }
        let mode = opts.verbose.resolve();
        if self.order.len() != split || !opts.shuffle {
            self.order = (0..split).collect();
        }
        self.shuffles = opts.shuffle;
        let steps = train.steps();
        let mut history = History {
            resident_bytes: train.resident_bytes() + val.as_ref().map_or(0, |v| v.resident_bytes()),
            ..History::default()
        };
        let monitors = opts
            .early_stopping
            .as_ref()
            .map(|e| e.monitor.clone())
            .into_iter();
        let monitors = monitors.chain(
            opts.reduce_lr_on_plateau
                .as_ref()
                .map(|r| r.monitor.clone()),
        );
        let top_k = self.compiled.as_ref().and_then(|c| c.top_k);
        for monitor in monitors {
            // The monitored value must be one fit will log (checked before training).
            let probe = EpochLog {
                epoch: 0,
                epochs: 0,
                loss: 0.0,
                accuracy: self.compiled.as_ref().filter(|c| c.accuracy).map(|_| 0.0),
                val_loss: val.as_ref().map(|_| 0.0),
                val_accuracy: val
                    .as_ref()
                    .filter(|_| self.compiled.as_ref().is_some_and(|c| c.accuracy))
                    .map(|_| 0.0),
                top_k_categorical_accuracy: top_k.map(|_| 0.0),
                val_top_k_categorical_accuracy: top_k.and(val.as_ref()).map(|_| 0.0),
                steps: 0,
                learning_rate: None,
                seconds: 0.0,
            };
            EarlyStopping {
                monitor,
                ..EarlyStopping::default()
            }
            .value(&probe)?;
        }
        let mut early = opts.early_stopping.clone().map(EarlyStoppingState::new);
        let scheduled = self.compiled.as_ref().and_then(|c| c.schedule.as_ref());
        if let (Some(s), Some(_)) = (scheduled, &opts.reduce_lr_on_plateau) {
            return Err(Error::Unsupported {
                context: "fit".into(),
                feature: format!("ReduceLROnPlateau with a {} schedule", s.name()),
                reason: "it cannot set the learning rate of an optimizer that follows a \
                         schedule (as in Keras); use one or the other"
                    .into(),
            });
        }
        let mut plateau = opts
            .reduce_lr_on_plateau
            .clone()
            .map(ReduceLROnPlateauState::new);
        for epoch in opts.initial_epoch + 1..=opts.epochs {
            let t0 = Instant::now();
            if opts.shuffle {
                self.order.shuffle(&mut self.shuffle_rng);
                self.log_shuffle(split);
            }
            train.start(&dev, Some(&self.order))?;
            let mut totals = self.totals()?;
            let progress = EpochProgress::start(mode, epoch, opts.epochs, steps);
            // The bar shows what the GPU has finished: the running sums are read back
            // asynchronously (which also submits the steps recorded so far) every
            // `read_every` steps, and finished reads move the bar. `read_every` follows
            // the GPU's pace — the steps it finishes in READ_INTERVAL, from 1 (slow steps,
            // read after each) to READ_EVERY (fast ones) — so the bar moves several times
            // a second either way. With more than two reads in flight the loop waits for
            // the oldest, so recording (much faster than the GPU) stays a few reads ahead.
            let mut pending = std::collections::VecDeque::new();
            let (mut read_every, mut last_read) = (1, 0);
            let mut last_done: Option<(usize, Instant)> = None;
            for s in 0..steps {
                if stopping(opts.stop.as_deref()) {
                    progress.abandon();
                    return Err(Error::Interrupted {
                        epoch,
                        step: s,
                        steps,
                    });
                }
                let (xt, yt) = train.batch(&dev, s)?;
                self.train_step(&xt, &yt.expect("labels"), &mut totals)?;
                if !progress.wants_metrics() {
                    continue;
                }
                if s + 1 - last_read >= read_every {
                    last_read = s + 1;
                    let sums = dev.read_async(&[&totals.loss, &totals.correct])?;
                    pending.push_back((sums, s + 1, totals.samples));
                }
                loop {
                    let in_flight = pending.len();
                    let Some((p, done, samples)) = pending.front_mut() else {
                        break;
                    };
                    let v = match in_flight > 2 {
                        true => dev.wait_read(p)?,
                        false => dev.poll_read(p)?,
                    };
                    let Some(v) = v else { break };
                    let m = self.mean_totals(&v, *samples);
                    check_finite(m.loss, epoch, *done)?;
                    progress.step(*done, Some(m.loss), m.accuracy);
                    // The pace over at least half a second (readings can finish in bursts).
                    let now = Instant::now();
                    match last_done {
                        Some((d0, t0)) if (now - t0).as_secs_f64() >= 0.5 => {
                            let per_second = (*done - d0) as f64 / (now - t0).as_secs_f64();
                            let n = per_second * READ_INTERVAL.as_secs_f64();
                            read_every = (n.round() as usize).clamp(1, READ_EVERY);
                            last_done = Some((*done, now));
                        }
                        Some(_) => {}
                        None => last_done = Some((*done, now)),
                    }
                    pending.pop_front();
                }
            }
            let train_means = self.read_totals(&totals)?;
            check_finite(train_means.loss, epoch, steps)?;
            let val_means = match &mut val {
                Some(feed) => match self.evaluate_feed(feed, opts.stop.as_deref())? {
                    Some(e) => Some(e),
                    None => {
                        progress.abandon();
                        return Err(Error::Interrupted {
                            epoch,
                            step: steps,
                            steps,
                        });
                    }
                },
                None => None,
            };
            let log = EpochLog {
                epoch,
                epochs: opts.epochs,
                loss: train_means.loss,
                accuracy: train_means.accuracy,
                val_loss: val_means.as_ref().map(|e| e.loss),
                val_accuracy: val_means.as_ref().and_then(|e| e.accuracy),
                top_k_categorical_accuracy: train_means.top_k_categorical_accuracy,
                val_top_k_categorical_accuracy: val_means
                    .as_ref()
                    .and_then(|e| e.top_k_categorical_accuracy),
                steps,
                seconds: t0.elapsed().as_secs_f64(),
                learning_rate: self.compiled.as_ref().map(|c| c.learning_rate()),
            };
            progress.finish(&log);
            self.history.push(log.clone());
            on_epoch(self, &log)?;
            let first = self.history.len() == 1;
            let stop = match &mut early {
                Some(e) => e.update(&log, first, || self.get_weights())?,
                None => false,
            };
            if let Some(r) = &mut plateau {
                let lr = self
                    .compiled
                    .as_ref()
                    .map_or(0.0, |c| c.optimizer.learning_rate());
                if let Some(new_lr) = r.update(&log, lr)? {
                    self.set_learning_rate(new_lr)?;
                }
            }
            history.epochs.push(log);
            if stop {
                history.stopped_epoch = Some(epoch);
                break;
            }
        }
        if let Some(best) = early.and_then(|e| e.best_weights) {
            self.set_weights(&best)?;
        }
        Ok(history)
    }
}
