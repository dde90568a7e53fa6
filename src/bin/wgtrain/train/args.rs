//! `wgtrain train`'s flags (clap derives the parser, help and value checks from them).

use std::path::PathBuf;

use wgtrain::data::Dataset;
use wgtrain::nn::{DeviceKind, Loss};

use super::setup::{EpsilonFormArg, OptimizerArg, ScheduleArg};
use crate::common::{
    classifier_loss, dataset_arg, device_kind, momentum_value, non_negative_f32, positive_count,
    positive_f32, split_fraction,
};

#[derive(clap::Args)]
pub struct TrainArgs {
    /// mlp (default) or cnn, the Keras tutorial models, or a model description PATH.json
    /// (see models/)
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// Train on a folder of images, one sub-folder per class (PNG/JPEG, as Keras's
    /// image_dataset_from_directory): resized to the model's input, grayscale or RGB by
    /// its channels; the class names are kept in the checkpoint for predict. The
    /// validation split is held out and evaluated at the end (there is no test set)
    #[arg(long, conflicts_with_all = ["data", "test_limit"])]
    pub(crate) data_dir: Option<PathBuf>,
    /// Train on a table: a CSV file with a header row; every column but --target is a
    /// numeric feature (standardised; the statistics are kept for predict). The model file
    /// takes [features] and ends in Dense(1) for --loss mse, or one output per class of the
    /// target for a cross-entropy
    #[arg(long, conflicts_with_all = ["data", "data_dir"], requires = "target")]
    pub(crate) csv: Option<PathBuf>,
    /// With --csv: the column to predict
    #[arg(long, requires = "csv")]
    pub(crate) target: Option<String>,
    /// With --data-dir: stop at the first image that cannot be read (by default it is
    /// reported and skipped)
    #[arg(long, requires = "data_dir")]
    pub(crate) strict: bool,
    /// Start from these weights (a safetensors file: `wgtrain export`'s, a checkpoint's, or
    /// a Keras model converted by scripts/keras_weights.py); the model is --model, else
    /// the one the file describes. A new run with a fresh optimizer.
    #[arg(long, conflicts_with = "resume")]
    pub(crate) weights: Option<PathBuf>,
    /// The data set: mnist, fashion_mnist, kmnist or emnist_digits (MNIST's format), or
    /// cifar10 (32×32 colour; mlp and cnn are built for it); class names kept for predict
    /// and the pictures
    #[arg(long, default_value = "mnist", value_parser = dataset_arg(), conflicts_with = "data_dir")]
    pub(crate) dataset: Dataset,
    /// The data set's folder (default: mnist $MNIST_DIR else data/mnist; others
    /// data/NAME); for cifar10 also the archive itself
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
    /// The last epoch's number (with --resume: train up to it). Keras's fit defaults to
    /// 1; here 10, as the TensorFlow CNN tutorial's fit(epochs=10), since one epoch leaves
    /// the tutorial models short of their accuracy (--epochs 1 is Keras's default)
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub(crate) epochs: u64,
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=1 << 24))]
    pub(crate) batch_size: u64,
    /// Learning rate (default: Adam, AdamW, RMSprop 0.001, SGD 0.01)
    #[arg(long, value_parser = positive_f32, allow_negative_numbers = true)]
    pub(crate) lr: Option<f32>,
    #[arg(long, value_enum)]
    pub(crate) optimizer: Option<OptimizerArg>,
    /// Where Adam's and AdamW's ε sits: keras (the default, as Keras computes it:
    /// lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε)) or paper (Kingma & Ba's and PyTorch's:
    /// lr·m̂/(√v̂ + ε)); ε is 1e-7 either way. Kept in the checkpoint
    #[arg(long, value_enum, conflicts_with = "resume")]
    pub(crate) adam_epsilon_form: Option<EpsilonFormArg>,
    /// categorical_crossentropy (one-hot labels, the default),
    /// sparse_categorical_crossentropy (the digit itself as the label), binary_crossentropy
    /// (a sigmoid output per class) or mse
    #[arg(long, value_parser = classifier_loss(), conflicts_with = "resume")]
    pub(crate) loss: Option<Loss>,
    /// The model's last layer is linear and outputs logits; the loss applies the softmax or
    /// sigmoid (Keras's from_logits=True)
    #[arg(long, conflicts_with = "resume")]
    pub(crate) from_logits: bool,
    /// Momentum of SGD or RMSprop, in [0, 1] (default 0)
    #[arg(
        long,
        value_parser = momentum_value,
        conflicts_with = "resume",
        allow_negative_numbers = true
    )]
    pub(crate) momentum: Option<f32>,
    /// Clip each gradient tensor to this L2 norm before the update (Keras's clipnorm)
    #[arg(long, value_parser = positive_f32, conflicts_with_all = ["resume", "clipvalue"])]
    pub(crate) clipnorm: Option<f32>,
    /// Clip every gradient value into [-c, c] before the update (Keras's clipvalue)
    #[arg(long, value_parser = positive_f32, conflicts_with = "resume")]
    pub(crate) clipvalue: Option<f32>,
    /// Nesterov momentum for SGD (Keras's nesterov=True)
    #[arg(long, conflicts_with = "resume")]
    pub(crate) nesterov: bool,
    /// AdamW's decoupled weight decay, ≥ 0 (default 0.004, as Keras)
    #[arg(
        long,
        value_parser = non_negative_f32,
        conflicts_with = "resume",
        allow_negative_numbers = true
    )]
    pub(crate) weight_decay: Option<f32>,
    /// RMSprop's discounting factor ρ, in [0, 1) (default 0.9)
    #[arg(long, value_parser = split_fraction, conflicts_with = "resume")]
    pub(crate) rho: Option<f32>,
    /// A learning-rate schedule starting from --lr (Keras's ExponentialDecay, CosineDecay,
    /// PiecewiseConstantDecay); steps count training batches
    #[arg(long, value_enum, conflicts_with_all = ["resume", "reduce_lr_patience"])]
    pub(crate) lr_schedule: Option<ScheduleArg>,
    /// exponential, cosine: the steps over which the rate decays (by --decay-rate, or to
    /// --alpha·lr along a half cosine)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..), requires = "lr_schedule")]
    pub(crate) decay_steps: Option<u64>,
    /// exponential: the factor per --decay-steps steps
    #[arg(long, value_parser = positive_f32, requires = "lr_schedule")]
    pub(crate) decay_rate: Option<f32>,
    /// exponential: decay in whole steps of --decay-steps
    #[arg(long, requires = "lr_schedule")]
    pub(crate) staircase: bool,
    /// cosine: the final rate as a fraction of the first, in [0, 1] (default 0)
    #[arg(long, value_parser = split_fraction, requires = "lr_schedule")]
    pub(crate) alpha: Option<f32>,
    /// piecewise: the steps where the rate changes, increasing, e.g. 1500,3000
    #[arg(long, value_delimiter = ',', requires = "lr_schedule")]
    pub(crate) boundaries: Vec<u64>,
    /// piecewise: the rates, one more than --boundaries, e.g. 1e-3,5e-4,1e-4
    #[arg(long, value_delimiter = ',', value_parser = positive_f32, requires = "lr_schedule")]
    pub(crate) lr_values: Vec<f32>,
    /// Also report top_k_categorical_accuracy with this k (Keras's default 5): the share of
    /// images whose digit is among the k most probable
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "resume")]
    pub(crate) top_k: Option<u64>,
    /// Train on the rows in their order every epoch (Keras's shuffle=False); by default
    /// they are reshuffled each epoch from --seed. Kept in the checkpoint, so --resume
    /// continues the same way
    #[arg(long, conflicts_with = "resume")]
    pub(crate) no_shuffle: bool,
    /// Share of the training images held out (the last ones, as Keras)
    #[arg(long, default_value_t = 0.2, value_parser = split_fraction)]
    pub(crate) validation_split: f32,
    #[arg(long, default_value = "gpu", value_parser = device_kind())]
    pub(crate) device: DeviceKind,
    /// Seed for initialisation and shuffling (default 42)
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Folder for checkpoint.safetensors, model.json, history.json/.csv and pictures
    /// (default: a fresh runs/version_N; with --resume, the checkpoint's folder). A folder
    /// that holds another run is refused unless --overwrite is given.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Replace the run already in --out (its files are removed when training starts)
    #[arg(long, requires = "out")]
    pub(crate) overwrite: bool,
    /// Continue from a checkpoint (model, optimizer state and shuffling come from it; --lr
    /// sets a new learning rate for the rest, fine-tuning, and is kept in the checkpoint)
    #[arg(long, conflicts_with_all = ["model", "optimizer", "seed"])]
    pub(crate) resume: Option<PathBuf>,
    /// One JSON object per epoch and a final one; nothing else on stdout
    #[arg(long)]
    pub(crate) json: bool,
    /// One plain line per epoch instead of a progress bar
    #[arg(long)]
    pub(crate) quiet: bool,
    /// Train on the first N training images only (and test on the first N test images,
    /// unless --test-limit says otherwise)
    #[arg(long, value_parser = positive_count)]
    pub(crate) limit: Option<usize>,
    /// Evaluate on the first N test images only (default: --limit's N, else all)
    #[arg(long, value_parser = positive_count)]
    pub(crate) test_limit: Option<usize>,
    /// Stop when val_loss has not improved for N epochs (Keras's EarlyStopping)
    #[arg(long, conflicts_with = "resume")]
    pub(crate) early_stopping_patience: Option<usize>,
    /// With --early-stopping-patience: end with the best epoch's weights (saved to the
    /// checkpoint)
    #[arg(long, requires = "early_stopping_patience")]
    pub(crate) restore_best_weights: bool,
    /// Multiply the learning rate by 0.1 when val_loss has not improved for N epochs
    /// (Keras's ReduceLROnPlateau; each epoch's rate is in history.json)
    #[arg(long, conflicts_with = "resume")]
    pub(crate) reduce_lr_patience: Option<usize>,
    /// Also keep best.safetensors: the epoch with the lowest val_loss so far (Keras's
    /// ModelCheckpoint with save_best_only)
    #[arg(long)]
    pub(crate) save_best: bool,
    /// Time every GPU kernel during training (timestamp queries) and print a table per
    /// training step
    #[arg(long)]
    pub(crate) profile: bool,
}
