//! `Sequential`: a stack of layers with Keras's `add`, `summary`, `compile`, `fit`,
//! `evaluate`, `predict` and `train_on_batch`. Forward runs the layers in order, backward
//! in reverse; loss and accuracy are summed on the device and read back once per epoch
//! (and a few times a second while a progress bar is showing). This file holds the model
//! and its building (`add`, `compile`, weights); `fit.rs` the training loop, `step.rs` one
//! step, `evaluate` and `predict`, `summary.rs` the Keras summary table.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

mod checks;
mod compiled;
mod fit;
mod from_spec;
mod step;
mod step_trace;
mod summary;

pub use fit::FitOptions;
pub use step::Evaluation;

use checks::checked_sizes;
pub(crate) use checks::ParamTally;
use summary::batch_shape;
pub(crate) use summary::keras_name;

use super::device::Device;
use super::layer::Layer;
use super::loss::Loss;
use super::optimizer::{GradientClip, Optimizer, OptimizerState};
use super::spec::{MAX_LAYERS, TOO_MANY_LAYERS};
use super::tensor::Tensor;
use super::Activation;
use crate::array::Array;
use crate::cpu::LearningRateSchedule;
use crate::error::{Error, Result};
use crate::history::EpochLog;

/// A named weight tensor in Keras layout, e.g. "layers.0.kernel".
#[derive(Clone, Debug, PartialEq)]
pub struct NamedArray {
    /// The weight's name, e.g. "layers.0.kernel".
    pub name: String,
    /// The values, in Keras layout.
    pub array: Array,
}

pub(super) struct Compiled {
    pub(super) optimizer: Optimizer,
    /// Gradient clipping before each update (Keras's clipnorm / clipvalue).
    pub(super) clip: Option<GradientClip>,
    /// Every step's learning rate, when the optimizer follows a schedule.
    pub(super) schedule: Option<LearningRateSchedule>,
    pub(super) state: OptimizerState,
    pub(super) loss: Loss,
    /// The model outputs logits (Keras's from_logits=True; the last layer is linear).
    pub(super) from_logits: bool,
    pub(super) accuracy: bool,
    /// k of top_k_categorical_accuracy, when compiled with it.
    pub(super) top_k: Option<usize>,
}

impl Compiled {
    /// The learning rate of the next update (the schedule's, if there is one).
    pub(super) fn learning_rate(&self) -> f32 {
        self.state
            .learning_rate(&self.optimizer, self.schedule.as_ref())
    }

    /// The last layer's softmax or sigmoid fused into the cross-entropy (training skips
    /// it, `predict` applies it): a cross-entropy not compiled from logits.
    pub(super) fn fused_activation(&self) -> Option<Activation> {
        self.loss.output_activation().filter(|_| !self.from_logits)
    }
}

/// A linear stack of layers.
pub struct Sequential {
    device: Device,
    input_shape: Vec<usize>,
    pub(super) layers: Vec<Box<dyn Layer>>,
    names: Vec<String>,
    /// Layers of each kind so far, for Keras's names ("dense_2"): one lookup per `add`,
    /// so building is linear in the layer count.
    kind_counts: std::collections::HashMap<&'static str, usize>,
    pub(super) shapes: Vec<Vec<usize>>,
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
    pub(super) eval_batch_size: usize,
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
            kind_counts: std::collections::HashMap::new(),
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

    /// Append a layer and build its weights (initialised from the seed, as Keras builds a
    /// layer once its input shape is known), so `summary`, `get_weights` and
    /// `save_weights` work at once. Its input shape is checked first (a mismatch is an
    /// error naming the layer, its position and the shape it was given), then that the
    /// model's weights with the new ones fit the device and the host, before anything is
    /// allocated. Layers are added before `compile`.
    pub fn add(&mut self, layer: impl Layer + 'static) -> Result<()> {
        let mut layer: Box<dyn Layer> = Box::new(layer);
        if self.compiled.is_some() {
            return Err(Error::Model(
                "add: the model is already built and compiled (its optimizer holds every \
                 weight); add every layer before compile"
                    .into(),
            ));
        }
        let input = self.output_shape().to_vec();
        let index = self.layers.len();
        if index >= MAX_LAYERS {
            return Err(Error::Model(format!(
                "layer {index} ({}): a model has at most {MAX_LAYERS} layers; {}",
                layer.kind(),
                TOO_MANY_LAYERS
            )));
        }
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
        let kind = layer.kind();
        let same = self.kind_counts.entry(kind).or_insert(0);
        let base = keras_name(kind);
        self.names.push(if *same == 0 {
            base
        } else {
            format!("{base}_{same}")
        });
        *same += 1;
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

    /// Every weight in Keras layout, named "layers.{i}.kernel" / "layers.{i}.bias".
    /// A model has them once its layers are added; one read from a description (or
    /// re-seeded after its layers) has them after `build` (or compile, or load_weights).
    pub fn get_weights(&self) -> Result<Vec<NamedArray>> {
        if self.layers.is_empty() {
            return Err(Error::Model(
                "get_weights: the model has no layers, so no weights; add layers first".into(),
            ));
        }
        if !self.initialised {
            return Err(Error::Model(
                "get_weights: the model's weights are not built yet (a model from a \
                 description, or re-seeded after its layers); call build() (or compile, or \
                 load_weights) first"
                    .into(),
            ));
        }
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            for p in l.params() {
                out.push(NamedArray {
                    name: format!("layers.{i}.{}", p.name),
                    array: Array::new(&p.shape, self.device.download(&p.value)?)?,
                });
            }
        }
        Ok(out)
    }

    /// Replace every weight (same names and shapes as [`get_weights`](Self::get_weights)).
    /// The model is built first if it is not yet.
    pub fn set_weights(&mut self, weights: &[NamedArray]) -> Result<()> {
        self.build()?;
        // One map, so a model of many layers is set in linear time.
        let by_name: std::collections::HashMap<&str, &NamedArray> =
            weights.iter().map(|w| (w.name.as_str(), w)).collect();
        for (i, l) in self.layers.iter_mut().enumerate() {
            for p in l.params_mut() {
                let name = format!("layers.{i}.{}", p.name);
                let w = by_name
                    .get(name.as_str())
                    .ok_or_else(|| Error::Model(format!("set_weights: no tensor named {name}")))?;
                if w.array.shape != p.shape {
                    return Err(Error::Model(format!(
                        "set_weights: {name} has shape {:?} but the layer needs {:?}",
                        w.array.shape, p.shape
                    )));
                }
                self.device.write(&mut p.value, &w.array.data)?;
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
            h = l.forward(&self.device, &h, training)?;
        }
        Ok(h)
    }
}
