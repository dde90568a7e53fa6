//! `Sequential`: a stack of layers with Keras's `add`, `summary`, `compile`, `fit`,
//! `evaluate`, `predict` and `train_on_batch`. Forward runs the layers in order, backward
//! in reverse; loss and accuracy are summed on the backend and read back once per epoch
//! (and a few times a second while a progress bar is showing).

use std::time::Instant;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::array::Array;
use super::backend::Backend;
use super::feed::Feed;
use super::history::{EpochLog, History};
use super::layer::Layer;
use super::loss::{Loss, Metric};
use super::optimizer::{Optimizer, OptimizerState};
use super::progress::{EpochProgress, Verbose};
use super::tensor::Tensor;
use super::Activation;
use crate::error::{Error, Result};

/// Steps between the progress bar's asynchronous reads of the running loss.
const READ_EVERY: usize = 16;

/// Options of [`Sequential::fit`], Keras's keyword arguments.
#[derive(Clone, Debug)]
pub struct FitOptions {
    /// The epoch to stop after (1-based, as Keras's `epochs`).
    pub epochs: usize,
    /// Epochs already done (Keras's `initial_epoch`): training runs epochs
    /// `initial_epoch + 1 ..= epochs`, numbered so. Used to resume from a checkpoint.
    pub initial_epoch: usize,
    pub batch_size: usize,
    /// Fraction of the samples, taken from the end before any shuffling (as Keras), held
    /// out for validation after each epoch.
    pub validation_split: f32,
    /// Reshuffle the training samples every epoch.
    pub shuffle: bool,
    pub verbose: Verbose,
    /// Set to true (from a signal handler, another thread) to stop: `fit` returns
    /// [`Error::Interrupted`] at the next step boundary, before the epoch's callback, so
    /// the last checkpoint written is the last complete epoch.
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
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
        }
    }
}

/// True once `stop` (a [`FitOptions::stop`] flag) was set.
fn stopping(stop: Option<&std::sync::atomic::AtomicBool>) -> bool {
    stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
}

/// Loss and (when compiled with it) accuracy over a dataset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    pub loss: f32,
    pub accuracy: Option<f32>,
}

/// A named weight tensor in Keras layout, e.g. "layers.0.kernel".
#[derive(Clone, Debug, PartialEq)]
pub struct NamedArray {
    pub name: String,
    pub array: Array,
}

pub(super) struct Compiled {
    pub(super) optimizer: Optimizer,
    pub(super) state: OptimizerState,
    pub(super) loss: Loss,
    pub(super) accuracy: bool,
    /// Softmax of the last layer fused into the cross-entropy.
    fused: bool,
}

/// Running sums over an epoch, kept on the backend.
struct Totals {
    loss: Tensor,
    correct: Tensor,
    samples: usize,
}

/// A linear stack of layers.
pub struct Sequential {
    backend: Backend,
    input_shape: Vec<usize>,
    pub(super) layers: Vec<Box<dyn Layer>>,
    names: Vec<String>,
    pub(super) shapes: Vec<Vec<usize>>,
    seed: u64,
    initialised: bool,
    pub(super) compiled: Option<Compiled>,
    shuffle_rng: StdRng,
    /// The training order, reshuffled in place each epoch and kept between fits (and in
    /// checkpoints), so N epochs then M more equal N + M in one go.
    pub(super) order: Vec<usize>,
    /// Lengths of the shuffles drawn so far, run-length coded ([length, count]): a
    /// checkpoint replays them to restore the shuffle generator exactly.
    pub(super) shuffle_log: Vec<[usize; 2]>,
    /// Epochs trained so far over all fits, and their logs.
    pub(super) history: Vec<EpochLog>,
    eval_batch_size: usize,
    resident: bool,
}

impl Sequential {
    /// An empty model on `backend` taking samples of `input_shape` (no batch axis), e.g.
    /// `&[28, 28, 1]` for MNIST images or `&[784]` for flattened ones.
    pub fn new(backend: Backend, input_shape: &[usize]) -> Sequential {
        Sequential {
            backend,
            input_shape: input_shape.to_vec(),
            layers: Vec::new(),
            names: Vec::new(),
            shapes: Vec::new(),
            seed: 0,
            initialised: false,
            compiled: None,
            shuffle_rng: StdRng::seed_from_u64(0x5eed),
            order: Vec::new(),
            shuffle_log: Vec::new(),
            history: Vec::new(),
            eval_batch_size: 256,
            resident: true,
        }
    }

    /// Seed for weight initialisation and shuffling (same seed, same model, on either
    /// backend). Set before `compile`.
    pub fn with_seed(mut self, seed: u64) -> Sequential {
        self.seed = seed;
        self.shuffle_rng = StdRng::seed_from_u64(seed ^ 0x5eed_5eed);
        self
    }

    /// Batch size for `evaluate`, `predict` and validation (default 256).
    pub fn set_eval_batch_size(&mut self, n: usize) {
        self.eval_batch_size = n.max(1);
    }

    /// Keep datasets on the backend during `fit` / `evaluate` / `predict` and gather
    /// batches there (default on). Off: rows are gathered on the host and uploaded per
    /// batch (also what happens when the data does not fit in one binding).
    pub fn set_resident_data(&mut self, on: bool) {
        self.resident = on;
    }

    /// The backend the model runs on.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The seed given to [`with_seed`](Self::with_seed).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The model as a description (Keras layer names and arguments), e.g. to save as JSON.
    pub fn spec(&self) -> super::spec::ModelSpec {
        super::spec::ModelSpec {
            input_shape: self.input_shape.clone(),
            layers: self.layers.iter().map(|l| l.spec()).collect(),
        }
    }

    /// The per-sample input shape.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Rows of the training order kept between fits (and in checkpoints): the number of
    /// training samples per epoch of the last `fit`, 0 before any.
    pub fn training_rows(&self) -> usize {
        self.order.len()
    }

    /// Every epoch trained so far, over all `fit` calls (and before a checkpoint).
    pub fn epoch_logs(&self) -> &[EpochLog] {
        &self.history
    }

    /// The optimizer, loss and metrics given to `compile`, if it was called.
    pub fn compiled_with(&self) -> Option<(Optimizer, Loss, Vec<Metric>)> {
        self.compiled.as_ref().map(|c| {
            let metrics = if c.accuracy {
                vec![Metric::Accuracy]
            } else {
                vec![]
            };
            (c.optimizer, c.loss, metrics)
        })
    }

    /// Restore the shuffle generator by replaying a checkpoint's shuffle log.
    pub(super) fn replay_shuffles(&mut self, log: &[[usize; 2]]) {
        self.shuffle_rng = StdRng::seed_from_u64(self.seed ^ 0x5eed_5eed);
        self.shuffle_log.clear();
        for &[len, count] in log {
            let mut v: Vec<usize> = (0..len).collect();
            for _ in 0..count {
                v.shuffle(&mut self.shuffle_rng);
                self.log_shuffle(len);
            }
        }
    }

    fn log_shuffle(&mut self, len: usize) {
        match self.shuffle_log.last_mut() {
            Some([l, c]) if *l == len => *c += 1,
            _ => self.shuffle_log.push([len, 1]),
        }
    }

    /// Append a layer; its input shape is checked now, and a mismatch is an error naming
    /// the layer, its position and the shape it was given.
    pub fn add(&mut self, layer: impl Layer + 'static) -> Result<()> {
        let mut layer: Box<dyn Layer> = Box::new(layer);
        if self.initialised {
            return Err(Error::Model(
                "add: the model is already compiled; add layers first".into(),
            ));
        }
        let input = self.output_shape().to_vec();
        let index = self.layers.len();
        let out = layer
            .build(&input)
            .and_then(|out| checked_sizes(layer.as_ref(), out))
            .map_err(|e| {
                Error::Model(format!(
                    "layer {index} ({}) with input shape {}: {e}",
                    layer.kind(),
                    batch_shape(&input)
                ))
            })?;
        let kind = layer.kind();
        let same = self.layers.iter().filter(|l| l.kind() == kind).count();
        let base = keras_name(kind);
        self.names.push(if same == 0 {
            base
        } else {
            format!("{base}_{same}")
        });
        self.shapes.push(out);
        self.layers.push(layer);
        Ok(())
    }

    /// The per-sample output shape (the input shape for an empty model).
    pub fn output_shape(&self) -> &[usize] {
        self.shapes.last().unwrap_or(&self.input_shape)
    }

    /// Total trainable parameters (saturating: a model too large to count cannot be
    /// compiled anyway, see [`check_fits`](Self::check_fits)).
    pub fn count_params(&self) -> usize {
        self.layers
            .iter()
            .fold(0usize, |a, l| a.saturating_add(l.param_count()))
    }

    /// Keras's `model.summary()` table, as a string.
    pub fn summary(&self) -> String {
        let rule = "_".repeat(69);
        let mut s = format!("Model: \"sequential\"\n{rule}\n");
        s += &format!(
            "{:<33}{:<26}{:>10}\n",
            " Layer (type)", "Output Shape", "Param #"
        );
        s += &format!("{}\n", "=".repeat(69));
        for (i, l) in self.layers.iter().enumerate() {
            let name = format!(" {} ({})", self.names[i], l.kind());
            s += &format!(
                "{:<33}{:<26}{:>10}\n",
                name,
                format_shape(&self.shapes[i]),
                thousands(l.param_count())
            );
            if i + 1 < self.layers.len() {
                s += "\n";
            }
        }
        s += &format!("{}\n", "=".repeat(69));
        let total = thousands(self.count_params());
        s += &format!(
            "Total params: {total}\nTrainable params: {total}\nNon-trainable params: 0\n{rule}\n"
        );
        s
    }

    /// Choose the optimizer, loss and metrics; initialises the weights from the seed the
    /// first time (Glorot-uniform kernels, zero biases) and resets the optimizer state.
    pub fn compile(&mut self, optimizer: Optimizer, loss: Loss, metrics: &[Metric]) -> Result<()> {
        let Some(last) = self.layers.last() else {
            return Err(Error::Model("compile: the model has no layers".into()));
        };
        let out = self.output_shape().to_vec();
        let width = *out.last().unwrap_or(&1);
        let last_act = last.activation();
        let fused = match loss {
            Loss::CategoricalCrossentropy => {
                if last_act != Some(Activation::Softmax) {
                    return Err(Error::Model(format!(
                        "compile: categorical_crossentropy needs a softmax output, but the last \
                         layer ({} {}) has activation {}; use activation softmax there",
                        self.names.last().expect("layer"),
                        last.kind(),
                        last_act.map_or("none", |a| a.name())
                    )));
                }
                true
            }
            Loss::MeanSquaredError => false,
        };
        let accuracy = metrics.contains(&Metric::Accuracy);
        if accuracy && width < 2 {
            return Err(Error::Model(format!(
                "compile: accuracy compares argmax classes and needs at least 2 outputs; the \
                 model outputs {out:?}"
            )));
        }
        if !self.initialised {
            // Sizes first: nothing is allocated for a model that cannot fit.
            self.check_params_fit(OptimizerState::slot_names(&optimizer).len())?;
            let mut rng = StdRng::seed_from_u64(self.seed);
            for l in &mut self.layers {
                l.init(&self.backend, &mut rng)?;
            }
            self.initialised = true;
        }
        let n = self.layers.len();
        for (i, l) in self.layers.iter_mut().enumerate() {
            l.output_logits(fused && i + 1 == n);
        }
        let params: Vec<_> = self.layers.iter().flat_map(|l| l.params()).collect();
        let state = OptimizerState::new(&self.backend, &optimizer, &params)?;
        self.compiled = Some(Compiled {
            optimizer,
            state,
            loss,
            accuracy,
            fused,
        });
        Ok(())
    }

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
        if !(0.0..1.0).contains(&opts.validation_split) {
            return Err(Error::Model(format!(
                "fit: validation_split must be in [0, 1), got {}",
                opts.validation_split
            )));
        }
        let n = x.rows();
        let split = ((n as f64) * (1.0 - opts.validation_split as f64)).ceil() as usize;
        let split = split.min(n);
        if split == 0 || (opts.validation_split > 0.0 && split == n) {
            return Err(Error::Model(format!(
                "fit: validation_split {} of {n} samples leaves an empty training or \
                 validation set",
                opts.validation_split
            )));
        }
        let (be, bs, ebs) = (self.backend.clone(), opts.batch_size, self.eval_batch_size);
        self.check_fits(bs)?;
        if split < n {
            self.check_batch_fits(ebs.min(n - split))?;
        }
        let mut train = Feed::new(&be, x, Some(y), 0..split, bs, self.resident)?;
        let mut val = match split < n {
            true => Some(Feed::new(&be, x, Some(y), split..n, ebs, self.resident)?),
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
        if self.order.len() != split {
            self.order = (0..split).collect();
        }
        let steps = train.steps();
        let mut history = History {
            resident_bytes: train.resident_bytes() + val.as_ref().map_or(0, |v| v.resident_bytes()),
            ..History::default()
        };
        for epoch in opts.initial_epoch + 1..=opts.epochs {
            let t0 = Instant::now();
            if opts.shuffle {
                self.order.shuffle(&mut self.shuffle_rng);
                self.log_shuffle(split);
            }
            train.start(&be, Some(&self.order))?;
            let mut totals = self.totals()?;
            let progress = EpochProgress::start(mode, epoch, opts.epochs, steps);
            // The bar shows what the GPU has finished: every READ_EVERY steps the running
            // sums are read back asynchronously (which also submits the steps recorded
            // so far); finished reads move the bar. With more than two reads in flight
            // the loop waits for the oldest, so recording (much faster than the GPU)
            // stays within a few dozen steps of it.
            let mut pending = std::collections::VecDeque::new();
            for s in 0..steps {
                if stopping(opts.stop.as_deref()) {
                    progress.abandon();
                    return Err(Error::Interrupted {
                        epoch,
                        step: s,
                        steps,
                    });
                }
                let (xt, yt) = train.batch(&be, s)?;
                self.train_step(&xt, &yt.expect("labels"), &mut totals)?;
                if !progress.wants_metrics() {
                    continue;
                }
                if (s + 1) % READ_EVERY == 0 {
                    let sums = be.read_async(&[&totals.loss, &totals.correct])?;
                    pending.push_back((sums, s + 1, totals.samples));
                }
                loop {
                    let in_flight = pending.len();
                    let Some((p, done, samples)) = pending.front_mut() else {
                        break;
                    };
                    let v = match in_flight > 2 {
                        true => be.wait_read(p)?,
                        false => be.poll_read(p)?,
                    };
                    let Some(v) = v else { break };
                    let (l, a) = self.mean_totals(&v, *samples);
                    check_finite(l, epoch, *done)?;
                    progress.step(*done, Some(l), a);
                    pending.pop_front();
                }
            }
            let (loss, accuracy) = self.read_totals(&totals)?;
            check_finite(loss, epoch, steps)?;
            let (val_loss, val_accuracy) = match &mut val {
                Some(feed) => match self.evaluate_feed(feed, opts.stop.as_deref())? {
                    Some(e) => (Some(e.loss), e.accuracy),
                    None => {
                        progress.abandon();
                        return Err(Error::Interrupted {
                            epoch,
                            step: steps,
                            steps,
                        });
                    }
                },
                None => (None, None),
            };
            let log = EpochLog {
                epoch,
                epochs: opts.epochs,
                loss,
                accuracy,
                val_loss,
                val_accuracy,
                steps,
                seconds: t0.elapsed().as_secs_f64(),
            };
            progress.finish(&log);
            self.history.push(log.clone());
            on_epoch(self, &log)?;
            history.epochs.push(log);
        }
        Ok(history)
    }

    /// One optimizer step on one batch; returns that batch's mean loss (reads it back).
    pub fn train_on_batch(&mut self, x: &Array, y: &Array) -> Result<f32> {
        self.check_data("train_on_batch", x, y)?;
        let xt = self.backend.upload(&x.shape, &x.data)?;
        let yt = self.backend.upload(&y.shape, &y.data)?;
        let mut totals = self.totals()?;
        self.train_step(&xt, &yt, &mut totals)?;
        Ok(self.read_totals(&totals)?.0)
    }

    /// Loss (and accuracy, if compiled with it) over all of x, y in batches.
    pub fn evaluate(&mut self, x: &Array, y: &Array) -> Result<Evaluation> {
        self.check_data("evaluate", x, y)?;
        self.check_batch_fits(self.eval_batch_size.min(x.rows()))?;
        let be = self.backend.clone();
        let rows = 0..x.rows();
        let mut feed = Feed::new(&be, x, Some(y), rows, self.eval_batch_size, self.resident)?;
        Ok(self.evaluate_feed(&mut feed, None)?.expect("no stop flag"))
    }

    /// Loss and accuracy over a feed; `None` when `stop` was set (checked every batch).
    fn evaluate_feed(
        &mut self,
        feed: &mut Feed,
        stop: Option<&std::sync::atomic::AtomicBool>,
    ) -> Result<Option<Evaluation>> {
        let be = self.backend.clone();
        feed.start(&be, None)?;
        let mut totals = self.totals()?;
        for s in 0..feed.steps() {
            if stopping(stop) {
                return Ok(None);
            }
            let (xt, yt) = feed.batch(&be, s)?;
            let out = self.forward(&xt, false)?;
            self.loss(&out, &yt.expect("labels"), &mut totals, false)?;
        }
        let (loss, accuracy) = self.read_totals(&totals)?;
        Ok(Some(Evaluation { loss, accuracy }))
    }

    /// The model's outputs for x (probabilities for a softmax model), in batches. The
    /// outputs stay on the backend until the end, then come back in one read.
    pub fn predict(&mut self, x: &Array) -> Result<Array> {
        self.check_input("predict", x)?;
        self.check_batch_fits(self.eval_batch_size.min(x.rows().max(1)))?;
        let be = self.backend.clone();
        let rows = 0..x.rows();
        let mut feed = Feed::new(&be, x, None, rows, self.eval_batch_size, self.resident)?;
        feed.start(&be, None)?;
        let fused = self.compiled.as_ref().is_some_and(|c| c.fused);
        let mut outs = Vec::with_capacity(feed.steps());
        for s in 0..feed.steps() {
            let (xt, _) = feed.batch(&be, s)?;
            let mut y = self.forward(&xt, false)?;
            if fused {
                y = be.activation_forward(Activation::Softmax, &y)?;
            }
            outs.push(y);
        }
        let mut out = Vec::with_capacity(x.rows() * self.output_shape().iter().product::<usize>());
        for y in &outs {
            out.extend(be.download(y)?);
        }
        Array::new(&batch_dims(x.rows(), self.output_shape()), out)
    }

    /// Every weight in Keras layout, named "layers.{i}.kernel" / "layers.{i}.bias".
    pub fn get_weights(&self) -> Result<Vec<NamedArray>> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            for p in l.params() {
                out.push(NamedArray {
                    name: format!("layers.{i}.{}", p.name),
                    array: Array::new(&p.shape, self.backend.download(&p.value)?)?,
                });
            }
        }
        Ok(out)
    }

    /// Replace every weight (same names and shapes as [`get_weights`](Self::get_weights)).
    pub fn set_weights(&mut self, weights: &[NamedArray]) -> Result<()> {
        if !self.initialised {
            return Err(Error::Model("set_weights: compile the model first".into()));
        }
        for (i, l) in self.layers.iter_mut().enumerate() {
            for p in l.params_mut() {
                let name = format!("layers.{i}.{}", p.name);
                let w = weights
                    .iter()
                    .find(|w| w.name == name)
                    .ok_or_else(|| Error::Model(format!("set_weights: no tensor named {name}")))?;
                if w.array.shape != p.shape {
                    return Err(Error::Model(format!(
                        "set_weights: {name} has shape {:?} but the layer needs {:?}",
                        w.array.shape, p.shape
                    )));
                }
                self.backend.write(&mut p.value, &w.array.data)?;
            }
        }
        Ok(())
    }

    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        if !self.initialised {
            return Err(Error::Model(
                "the model must be compiled before it is run".into(),
            ));
        }
        let mut h = x.clone();
        for l in &mut self.layers {
            h = l.forward(&self.backend, &h, training)?;
        }
        Ok(h)
    }

    fn train_step(&mut self, x: &Tensor, y: &Tensor, totals: &mut Totals) -> Result<()> {
        let out = self.forward(x, true)?;
        let mut d = self.loss(&out, y, totals, true)?.expect("gradient");
        let n = self.layers.len();
        for i in (0..n).rev() {
            match self.layers[i].backward(&self.backend, &d, i > 0)? {
                Some(dx) => d = dx,
                None => break,
            }
        }
        let c = self.compiled.as_mut().expect("compiled");
        let params = self
            .layers
            .iter_mut()
            .flat_map(|l| l.params_mut())
            .collect();
        c.state.apply(&self.backend, &c.optimizer, params)
    }

    /// Add the batch's loss (and correct count) to `totals`; with `grad`, return dL/d(out).
    fn loss(
        &self,
        out: &Tensor,
        y: &Tensor,
        totals: &mut Totals,
        grad: bool,
    ) -> Result<Option<Tensor>> {
        let c = self
            .compiled
            .as_ref()
            .ok_or_else(|| Error::Model("compile the model before fit / evaluate".into()))?;
        let be = &self.backend;
        let rows = out.shape()[0];
        let width = out.len() / rows.max(1);
        totals.samples += rows;
        let (probs, d) = match c.loss {
            Loss::CategoricalCrossentropy => {
                let (probs, row_loss) = be.softmax_cross_entropy_forward(out, y)?;
                be.sum_into(&row_loss, 1.0, &mut totals.loss, true)?;
                let d = grad
                    .then(|| be.softmax_cross_entropy_backward(&probs, y, 1.0 / rows as f32))
                    .transpose()?;
                (probs, d)
            }
            Loss::MeanSquaredError => {
                let sq = be.mse_forward(out, y)?;
                be.sum_into(&sq, 1.0 / width as f32, &mut totals.loss, true)?;
                let d = grad
                    .then(|| be.mse_backward(out, y, 1.0 / (rows * width) as f32))
                    .transpose()?;
                (out.clone(), d)
            }
        };
        if c.accuracy {
            let correct = be.accuracy_forward(&probs, y)?;
            be.sum_into(&correct, 1.0, &mut totals.correct, true)?;
        }
        Ok(d)
    }

    fn totals(&self) -> Result<Totals> {
        Ok(Totals {
            loss: self.backend.zeros(&[1])?,
            correct: self.backend.zeros(&[1])?,
            samples: 0,
        })
    }

    /// (mean loss, accuracy) so far; reads back from the GPU.
    fn read_totals(&self, t: &Totals) -> Result<(f32, Option<f32>)> {
        let loss = self.backend.download(&t.loss)?[0];
        let correct = self.backend.download(&t.correct)?[0];
        Ok(self.mean_totals(&[loss, correct], t.samples))
    }

    /// (mean loss, accuracy) from the summed [loss, correct] over `samples`.
    fn mean_totals(&self, sums: &[f32], samples: usize) -> (f32, Option<f32>) {
        let n = samples.max(1) as f32;
        let acc = self.compiled.as_ref().is_some_and(|c| c.accuracy);
        (sums[0] / n, acc.then(|| sums[1] / n))
    }

    fn check_input(&self, op: &str, x: &Array) -> Result<()> {
        if x.sample_shape() != self.input_shape.as_slice() {
            return Err(Error::Model(format!(
                "{op}: x has shape {:?} but the model takes {}",
                x.shape,
                batch_shape(&self.input_shape)
            )));
        }
        Ok(())
    }

    fn check_data(&self, op: &str, x: &Array, y: &Array) -> Result<()> {
        self.check_input(op, x)?;
        if y.sample_shape() != self.output_shape() {
            return Err(Error::Model(format!(
                "{op}: y has shape {:?} but the model outputs {}{}",
                y.shape,
                batch_shape(self.output_shape()),
                if y.shape.len() == 1 {
                    " (one-hot encode class labels with to_categorical)"
                } else {
                    ""
                }
            )));
        }
        if x.rows() != y.rows() {
            return Err(Error::Model(format!(
                "{op}: x has {} samples but y has {}",
                x.rows(),
                y.rows()
            )));
        }
        if x.rows() == 0 {
            return Err(Error::Model(format!("{op}: no samples")));
        }
        Ok(())
    }
}

/// A built layer's output per sample and its parameter count must be countable in
/// `usize`, so all later size arithmetic is exact (and the memory check can run).
fn checked_sizes(layer: &dyn Layer, out: Vec<usize>) -> Result<Vec<usize>> {
    use crate::memory::product;
    let max = usize::MAX as u128;
    if product(&out).is_none_or(|n| n > max) {
        return Err(Error::Model(format!(
            "its output shape {out:?} has more than {} values per sample",
            usize::MAX
        )));
    }
    let shapes = layer.param_shapes();
    let params = shapes
        .iter()
        .try_fold(0u128, |a, (_, s)| product(s).and_then(|n| a.checked_add(n)));
    if params.is_none_or(|n| n > max) {
        let list: Vec<String> = shapes.iter().map(|(n, s)| format!("{n} {s:?}")).collect();
        return Err(Error::Model(format!(
            "its parameters ({}) are more than {} values",
            list.join(", "),
            usize::MAX
        )));
    }
    Ok(out)
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

fn batch_dims(n: usize, sample: &[usize]) -> Vec<usize> {
    let mut v = vec![n];
    v.extend_from_slice(sample);
    v
}

/// Keras shows shapes with the batch axis as None.
fn batch_shape(s: &[usize]) -> String {
    format_shape(s)
}

fn format_shape(s: &[usize]) -> String {
    let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("(None, {})", dims.join(", "))
}

fn keras_name(kind: &str) -> String {
    match kind {
        "Conv2D" => "conv2d".into(),
        "MaxPooling2D" => "max_pooling2d".into(),
        other => other.to_ascii_lowercase(),
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
