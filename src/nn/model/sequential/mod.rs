//! `Sequential`: a stack of layers with Keras's `add`, `summary`, `compile`, `fit`,
//! `evaluate`, `predict` and `train_on_batch`. Forward runs the layers in order, backward
//! in reverse; loss and accuracy are summed on the device and read back once per epoch
//! (and a few times a second while a progress bar is showing). This file holds the model
//! and its building (`add`, `compile`, weights); `fit.rs` the training loop, `step.rs` one
//! step, `evaluate` and `predict`, `summary.rs` the Keras summary table.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

mod async_api;
mod checks;
mod compiled;
mod fit;
mod from_spec;
mod step;
mod step_trace;
mod summary;
mod weights;

pub use async_api::read_values;
pub use fit::FitOptions;
pub use step::Evaluation;
pub use weights::NamedArray;

pub(crate) use checks::ParamTally;
use checks::{checked_sizes, BUILD_FIRST, NO_WEIGHTS};
use summary::batch_shape;

use super::layer::Layer;
use super::spec::names::{label, Namer};
use super::spec::{MAX_LAYERS, TOO_MANY_LAYERS};
use crate::error::{Error, Result};
use crate::history::EpochLog;
use crate::hyperparams::GradientClip;
use crate::hyperparams::LearningRateSchedule;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::FusionPlan;
use crate::nn::training::loss::Loss;
use crate::nn::training::optimizer::{Optimizer, OptimizerState};
use crate::nn::Activation;

pub(in crate::nn) struct Compiled {
    pub(in crate::nn) optimizer: Optimizer,
    /// Gradient clipping before each update (Keras's clipnorm / clipvalue).
    pub(in crate::nn) clip: Option<GradientClip>,
    /// Every step's learning rate, when the optimizer follows a schedule.
    pub(in crate::nn) schedule: Option<LearningRateSchedule>,
    pub(in crate::nn) state: OptimizerState,
    pub(in crate::nn) loss: Loss,
    /// The model outputs logits (Keras's from_logits=True; the last layer is linear).
    pub(in crate::nn) from_logits: bool,
    pub(in crate::nn) accuracy: bool,
    /// k of top_k_categorical_accuracy, when compiled with it.
    pub(in crate::nn) top_k: Option<usize>,
    /// The fusions chosen for this loss, metrics and device (`fusion::plan`).
    pub(in crate::nn) plan: FusionPlan,
}

impl Compiled {
    /// The learning rate of the next update (the schedule's, if there is one).
    pub(in crate::nn) fn learning_rate(&self) -> f32 {
        self.state
            .learning_rate(&self.optimizer, self.schedule.as_ref())
    }

    /// The last layer's softmax or sigmoid fused into the cross-entropy (training skips
    /// it, `predict` applies it): a cross-entropy not compiled from logits.
    pub(in crate::nn) fn fused_activation(&self) -> Option<Activation> {
        self.loss.output_activation().filter(|_| !self.from_logits)
    }
}

/// A linear stack of layers.
pub struct Sequential {
    device: Device,
    input_shape: Vec<usize>,
    pub(in crate::nn) layers: Vec<Box<dyn Layer>>,
    names: Vec<String>,
    /// Hands out Keras's names ("dense_2") and checks given ones are unique: one lookup
    /// per `add`, so building is linear in the layer count.
    namer: Namer,
    /// The name the next `add` gives its layer (`from_spec` sets it per layer).
    next_name: Option<String>,
    pub(in crate::nn) shapes: Vec<Vec<usize>>,
    seed: u64,
    /// Draws the layers' initial weights in layer order from the seed, so weights built
    /// one layer at a time by `add` equal those of a build of the whole model.
    init_rng: StdRng,
    /// Build each layer's weights as it is added (off for `from_spec`, whose model is
    /// built at its first use, so reading a description allocates nothing).
    build_on_add: bool,
    /// The weights' sizes so far, for the memory check.
    pub(super) tally: ParamTally,
    initialised: bool,
    pub(in crate::nn) compiled: Option<Compiled>,
    shuffle_rng: StdRng,
    /// The training order, reshuffled in place each epoch and kept between fits (and in
    /// checkpoints), so N epochs then M more equal N + M in one go.
    pub(in crate::nn) order: Vec<usize>,
    /// Lengths of the shuffles drawn so far, run-length coded ([length, count]): a
    /// checkpoint replays them to restore the shuffle generator exactly.
    pub(in crate::nn) shuffle_log: Vec<[usize; 2]>,
    /// Whether the last `fit` shuffled (`FitOptions::shuffle`; kept in checkpoints).
    pub(in crate::nn) shuffles: bool,
    /// Epochs trained so far over all fits, and their logs.
    pub(in crate::nn) history: Vec<EpochLog>,
    pub(in crate::nn) eval_batch_size: usize,
    resident: bool,
    /// What each output means (a folder's class names), kept in checkpoints for predict.
    class_names: Option<Vec<String>>,
    /// How the inputs were prepared (e.g. a CSV's columns and standardisation, as JSON),
    /// kept in checkpoints and weights files for predict.
    input_notes: Option<String>,
}

impl Sequential {
    /// An empty model on `device` taking samples of `input_shape` (no batch axis), e.g.
    /// `&[28, 28, 1]` for MNIST images or `&[784]` for flattened ones.
    pub fn new(device: Device, input_shape: &[usize]) -> Sequential {
        Sequential {
            device,
            input_shape: input_shape.to_vec(),
            layers: Vec::new(),
            names: Vec::new(),
            namer: Namer::default(),
            next_name: None,
            shapes: Vec::new(),
            seed: 0,
            init_rng: StdRng::seed_from_u64(0),
            build_on_add: true,
            tally: ParamTally::default(),
            initialised: false,
            compiled: None,
            shuffle_rng: StdRng::seed_from_u64(0x5eed),
            order: Vec::new(),
            shuffle_log: Vec::new(),
            shuffles: true,
            history: Vec::new(),
            eval_batch_size: 256,
            resident: true,
            class_names: None,
            input_notes: None,
        }
    }

    /// Record how the inputs were prepared (any JSON text; `wgtrain` keeps a CSV's columns
    /// and standardisation here), saved with the weights so predict can do the same.
    pub fn set_input_notes(&mut self, notes: Option<String>) {
        self.input_notes = notes;
    }

    /// What [`set_input_notes`](Self::set_input_notes) recorded.
    pub fn input_notes(&self) -> Option<&str> {
        self.input_notes.as_deref()
    }

    /// Name the outputs (e.g. an image folder's classes, in label order); saved in
    /// checkpoints and weights files so `predict` can say "cat" rather than "0".
    pub fn set_class_names(&mut self, names: Option<Vec<String>>) {
        self.class_names = names;
    }

    /// The outputs' names, if they were given.
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }

    /// Seed for weight initialisation and shuffling (same seed, same model, on either
    /// device). Give it before adding layers: each layer's weights are drawn from it when
    /// the layer is added. Given after, it re-draws every weight from the new seed at the
    /// next build (`build`, `compile`, `load_weights` or `set_weights`; until then the
    /// model has no weights), and a `compile` before it is forgotten.
    pub fn with_seed(mut self, seed: u64) -> Sequential {
        self.seed = seed;
        self.shuffle_rng = StdRng::seed_from_u64(seed ^ 0x5eed_5eed);
        self.init_rng = StdRng::seed_from_u64(seed);
        if !self.layers.is_empty() {
            self.initialised = false;
            self.compiled = None;
        }
        self
    }

    /// Batch size for `evaluate`, `predict` and validation (default 256).
    pub fn set_eval_batch_size(&mut self, n: usize) {
        self.eval_batch_size = n.max(1);
    }

    /// Keep datasets on the device during `fit` / `evaluate` / `predict` and gather
    /// batches there (default on). Off: rows are gathered on the host and uploaded per
    /// batch (also what happens when the data does not fit in one binding).
    pub fn set_resident_data(&mut self, on: bool) {
        self.resident = on;
    }

    /// The device the model runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The seed given to [`with_seed`](Self::with_seed).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The model as a description (Keras layer names and arguments, and the layers'
    /// names where they are not the generated ones), e.g. to save as JSON.
    pub fn spec(&self) -> super::spec::ModelSpec {
        let mut namer = Namer::default();
        let names = self
            .layers
            .iter()
            .zip(&self.names)
            .map(|(l, n)| namer.stored(l.kind(), n))
            .collect();
        super::spec::ModelSpec {
            input_shape: self.input_shape.clone(),
            layers: self.layers.iter().map(|l| l.spec()).collect(),
            names: super::spec::names::trimmed(names),
        }
    }

    /// Each layer's name, in order: the one it was given (`add_named`, a description's or
    /// Keras model's), else Keras's generated one (`dense`, `dense_1`, …).
    pub fn layer_names(&self) -> &[String] {
        &self.names
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

    /// Whether the last `fit` (or the run a loaded checkpoint saved) shuffled its rows each
    /// epoch: the [`FitOptions::shuffle`](crate::nn::FitOptions::shuffle) that continues
    /// it exactly. True for a model that has not trained.
    pub fn shuffles(&self) -> bool {
        self.shuffles
    }

    /// Restore the shuffle generator by replaying a checkpoint's shuffle log.
    pub(in crate::nn) fn replay_shuffles(&mut self, log: &[[usize; 2]]) {
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

    /// Append a layer and build its weights (initialised from the seed, as Keras builds a
    /// layer once its input shape is known), so `summary`, `get_weights` and
    /// `save_weights` work at once. Its input shape is checked first (a mismatch is an
    /// error naming the layer, its position and the shape it was given), then that the
    /// model's weights with the new ones fit the device and the host, before anything is
    /// allocated. Layers are added before `compile`.
    pub fn add(&mut self, layer: impl Layer + 'static) -> Result<()> {
        let name = self.next_name.take();
        self.add_as(Box::new(layer), name)
    }

    /// [`add`](Self::add) with the layer named `name` (Keras's `name=` argument), which
    /// `summary`, the Keras JSON export and the model's files keep. Names are unique in a
    /// model: one already taken is an error.
    pub fn add_named(&mut self, name: &str, layer: impl Layer + 'static) -> Result<()> {
        self.add_as(Box::new(layer), Some(name.to_string()))
    }

    fn add_as(&mut self, mut layer: Box<dyn Layer>, name: Option<String>) -> Result<()> {
        if self.compiled.is_some() {
            return Err(Error::Model(
                "add: the model is already built and compiled (its optimizer holds every \
                 weight); add every layer before compile"
                    .into(),
            ));
        }
        let input = self.output_shape().to_vec();
        let index = self.layers.len();
        let at = label(index, name.as_deref(), layer.kind());
        if index >= MAX_LAYERS {
            return Err(Error::Model(format!(
                "{at}: a model has at most {MAX_LAYERS} layers; {}",
                TOO_MANY_LAYERS
            )));
        }
        let out = layer
            .build(&input)
            .and_then(|out| checked_sizes(layer.as_ref(), out))
            .map_err(|e| {
                e.in_context(format_args!(
                    "{at} with input shape {}",
                    batch_shape(&input)
                ))
            })?;
        // The name is checked before anything is built; taken once the layer is added.
        if let Some(n) = &name {
            self.namer
                .check(n)
                .map_err(|e| Error::Model(format!("{at}: {e}")))?;
        }
        let tally = self.tally_with(index, layer.as_ref())?;
        // A model built so far (or still empty) builds the new layer now; one whose
        // weights wait for `build` (from a description, or re-seeded) builds it then.
        let build_now = self.build_on_add && (self.initialised || self.layers.is_empty());
        if build_now {
            if self.layers.is_empty() {
                self.init_rng = StdRng::seed_from_u64(self.seed);
            }
            if let Err(e) = layer.init(&self.device, &mut self.init_rng) {
                // The generator has moved on: the next build draws every weight again.
                self.initialised = false;
                return Err(e);
            }
        }
        self.initialised = build_now;
        self.tally = tally;
        let resolved = self.namer.next(layer.kind(), name.as_deref());
        self.names
            .push(resolved.map_err(|e| Error::Model(format!("{at}: {e}")))?);
        self.shapes.push(out);
        self.layers.push(layer);
        Ok(())
    }

    /// The per-sample output shape (the input shape for an empty model).
    pub fn output_shape(&self) -> &[usize] {
        self.shapes.last().unwrap_or(&self.input_shape)
    }

    /// Total parameters, trainable or not, as Keras's `count_params` (saturating: a model too large to count cannot be
    /// compiled anyway, see [`check_fits`](Self::check_fits)).
    pub fn count_params(&self) -> usize {
        self.layers
            .iter()
            .fold(0usize, |a, l| a.saturating_add(l.param_count()))
    }

    /// The training forward: every layer caches what its backward needs.
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        self.check_built()?;
        let mut h = x.clone();
        for l in &mut self.layers {
            h = l.forward(&self.device, &h)?;
        }
        Ok(h)
    }

    /// The inference forward (`Layer::call`): nothing cached, so `&self`.
    fn call(&self, x: &Tensor) -> Result<Tensor> {
        self.check_built()?;
        let mut h = x.clone();
        for l in &self.layers {
            h = l.call(&self.device, &h)?;
        }
        Ok(h)
    }

    fn check_built(&self) -> Result<()> {
        match self.initialised {
            true => Ok(()),
            false => Err(Error::NotReady {
                call: "predict / evaluate / fit",
                why: NO_WEIGHTS.into(),
                first: BUILD_FIRST,
            }),
        }
    }
}
