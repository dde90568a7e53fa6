//! `wgtrain train`'s flags turned into a model: the combinations clap cannot check, and a
//! new model compiled with the chosen optimizer and loss.

use wgtrain::nn::{
    Device, DeviceKind, LearningRateSchedule, Loss, LossConfig, Metric, Optimizer, Sequential,
};
use wgtrain::nn::{EpsilonForm, SgdParams};
use wgtrain::{Error, Result};

use super::TrainArgs;
use crate::common::{build_model, check_classifier, model_for_weights};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OptimizerArg {
    Adam,
    Adamw,
    Sgd,
    Rmsprop,
}

/// `--adam-epsilon-form`: [`EpsilonForm`]'s two values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum EpsilonFormArg {
    Keras,
    Paper,
}

impl From<EpsilonFormArg> for EpsilonForm {
    fn from(a: EpsilonFormArg) -> EpsilonForm {
        match a {
            EpsilonFormArg::Keras => EpsilonForm::Keras,
            EpsilonFormArg::Paper => EpsilonForm::Paper,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ScheduleArg {
    Exponential,
    Cosine,
    Piecewise,
}

/// The learning-rate schedule the flags describe (starting from `lr`), if any.
fn schedule(a: &TrainArgs, lr: f32) -> Result<Option<LearningRateSchedule>> {
    let Some(kind) = a.lr_schedule else {
        return Ok(None);
    };
    let need = |_: &'static str, what: &str| Error::BadSetting {
        name: "lr-schedule",
        value: format!("{kind:?}").to_lowercase(),
        reason: format!("it needs --{what}"),
    };
    let misplaced = [
        (
            "decay-steps",
            a.decay_steps.is_some(),
            kind != ScheduleArg::Piecewise,
        ),
        (
            "decay-rate",
            a.decay_rate.is_some(),
            kind == ScheduleArg::Exponential,
        ),
        ("staircase", a.staircase, kind == ScheduleArg::Exponential),
        ("alpha", a.alpha.is_some(), kind == ScheduleArg::Cosine),
        (
            "boundaries",
            !a.boundaries.is_empty(),
            kind == ScheduleArg::Piecewise,
        ),
        (
            "lr-values",
            !a.lr_values.is_empty(),
            kind == ScheduleArg::Piecewise,
        ),
    ];
    if let Some((flag, _, _)) = misplaced.iter().find(|(_, given, fits)| *given && !fits) {
        return Err(Error::BadSetting {
            name: "lr-schedule",
            value: format!("{kind:?}").to_lowercase(),
            reason: format!("--{flag} does not apply to it"),
        });
    }
    let steps = || {
        a.decay_steps
            .ok_or_else(|| need("decay-steps", "decay-steps"))
    };
    Ok(Some(match kind {
        ScheduleArg::Exponential => LearningRateSchedule::ExponentialDecay {
            initial_learning_rate: lr,
            decay_steps: steps()?,
            decay_rate: a
                .decay_rate
                .ok_or_else(|| need("decay-rate", "decay-rate"))?,
            staircase: a.staircase,
        },
        ScheduleArg::Cosine => {
            LearningRateSchedule::cosine_decay(lr, steps()?, a.alpha.unwrap_or(0.0))
        }
        ScheduleArg::Piecewise => {
            if a.lr.is_some() {
                return Err(Error::BadSetting {
                    name: "lr",
                    value: a.lr.map_or(String::new(), |v| v.to_string()),
                    reason: "--lr-schedule piecewise takes its rates from --lr-values".into(),
                });
            }
            if a.lr_values.is_empty() {
                return Err(need("lr-values", "lr-values (and --boundaries)"));
            }
            LearningRateSchedule::piecewise_constant_decay(&a.boundaries, &a.lr_values)
        }
    }))
}

/// Flag combinations clap cannot express.
pub(super) fn check_flags(a: &TrainArgs) -> Result<()> {
    let opt = a.optimizer.unwrap_or(OptimizerArg::Adam);
    let refuse = |name: &'static str, value: Option<f32>, reason: &str| {
        Err(Error::BadSetting {
            name,
            value: value.map_or("given".into(), |v| v.to_string()),
            reason: reason.into(),
        })
    };
    if a.momentum.is_some() && !matches!(opt, OptimizerArg::Sgd | OptimizerArg::Rmsprop) {
        return refuse(
            "--momentum",
            a.momentum,
            "momentum belongs to SGD and RMSprop: add --optimizer sgd or rmsprop (Adam has no \
             momentum setting; its beta_1 plays that role)",
        );
    }
    if a.weight_decay.is_some() && opt != OptimizerArg::Adamw {
        return refuse(
            "--weight-decay",
            a.weight_decay,
            "weight decay belongs to AdamW: add --optimizer adamw",
        );
    }
    let watches = a.save_best || a.early_stopping_patience.is_some();
    if (watches || a.reduce_lr_patience.is_some()) && a.validation_split == 0.0 {
        return refuse(
            "--validation-split",
            Some(0.0),
            "--save-best, --early-stopping-patience and --reduce-lr-patience watch val_loss: \
             keep a validation split",
        );
    }
    if a.nesterov && opt != OptimizerArg::Sgd {
        return refuse(
            "--nesterov",
            None,
            "Nesterov momentum belongs to SGD: add --optimizer sgd",
        );
    }
    let adam = matches!(opt, OptimizerArg::Adam | OptimizerArg::Adamw);
    if let Some(form) = a.adam_epsilon_form.filter(|_| !adam) {
        return Err(Error::BadSetting {
            name: "--adam-epsilon-form",
            value: EpsilonForm::from(form).name().into(),
            reason: "the ε form belongs to Adam and AdamW: add --optimizer adam or adamw".into(),
        });
    }
    if a.rho.is_some() && opt != OptimizerArg::Rmsprop {
        return refuse(
            "--rho",
            a.rho,
            "rho belongs to RMSprop: add --optimizer rmsprop",
        );
    }
    if a.profile && matches!(a.device, DeviceKind::Cpu) {
        return Err(Error::BadSetting {
            name: "--profile",
            value: "with --device cpu".into(),
            reason: "--profile times GPU kernels; the CPU device has none to time".into(),
        });
    }
    if let Some(m) = a.model.as_deref() {
        if !matches!(m, "mlp" | "cnn") && !m.ends_with(".json") {
            return Err(Error::BadSetting {
                name: "--model",
                value: m.into(),
                reason: match m.ends_with(".keras") || m.ends_with(".h5") {
                    true => format!(
                        "a Keras model file; wgtrain reads its to_json() as the model, or \
                         {}",
                        wgtrain::nn::CONVERT_KERAS
                    ),
                    false => "use mlp, cnn, a model description file ending in .json, or \
                              Keras's model.to_json() saved as .json"
                        .into(),
                },
            });
        }
    }
    Ok(())
}

/// A new model from --model, compiled with --optimizer / --lr.
pub(super) fn new_model(a: &TrainArgs) -> Result<Sequential> {
    let dev = Device::new(a.device)?;
    let seed = a.seed.unwrap_or(42);
    let mut m = match (&a.weights, a.model.as_deref()) {
        (Some(w), model) => model_for_weights(model, w, dev, seed, false)?,
        (None, model) => {
            // A named data set's images; a folder's are resized to the model's input.
            let images = match a.data_dir.is_none() && a.csv.is_none() {
                true => a.dataset.image_shape(),
                false => wgtrain::data::Dataset::Mnist.image_shape(),
            };
            build_model(model.unwrap_or("mlp"), dev, seed, images)?
        }
    };
    let mut optimizer = match (a.optimizer.unwrap_or(OptimizerArg::Adam), a.lr) {
        (OptimizerArg::Adam, lr) => Optimizer::adam_lr(lr.unwrap_or(1e-3)),
        (OptimizerArg::Adamw, lr) => {
            Optimizer::adamw_lr(lr.unwrap_or(1e-3), a.weight_decay.unwrap_or(0.004))
        }
        (OptimizerArg::Sgd, lr) => Optimizer::Sgd(SgdParams {
            lr: lr.unwrap_or(0.01),
            momentum: a.momentum.unwrap_or(0.0),
            nesterov: a.nesterov,
        }),
        (OptimizerArg::Rmsprop, lr) => Optimizer::rmsprop_with(
            lr.unwrap_or(1e-3),
            a.rho.unwrap_or(0.9),
            a.momentum.unwrap_or(0.0),
        ),
    };
    if let (Optimizer::Adam(hp) | Optimizer::AdamW { adam: hp, .. }, Some(form)) =
        (&mut optimizer, a.adam_epsilon_form)
    {
        hp.epsilon_form = form.into();
    }
    if a.data_dir.is_none() && a.csv.is_none() {
        check_classifier(&m, 10)?;
    }
    m.check_fits(a.batch_size as usize)?;
    let loss = LossConfig {
        loss: a.loss.unwrap_or(Loss::CategoricalCrossentropy),
        from_logits: a.from_logits,
    };
    let schedule = schedule(a, optimizer.learning_rate())?;
    let mut optimizer = match (a.clipnorm, a.clipvalue) {
        (Some(c), _) => optimizer.clipnorm(c),
        (None, Some(c)) => optimizer.clipvalue(c),
        (None, None) => optimizer.into(),
    };
    optimizer.schedule = schedule;
    // Accuracy for classifiers; a regression (mse) reports its loss.
    let mut metrics = match loss.loss {
        Loss::MeanSquaredError => vec![],
        _ => vec![Metric::Accuracy],
    };
    let classes = m.output_shape().last().copied().unwrap_or(1);
    if let Some(k) = a.top_k.filter(|&k| k > classes as u64) {
        // Every answer would be in the top k: the metric would always read 1.0.
        return Err(Error::Model(format!(
            "--top-k {k}, but the model has {classes} classes: every answer would be in the \
             top {k} and top_k_categorical_accuracy would always read 1.0; pass a k of at \
             most {classes}"
        )));
    }
    metrics.extend(a.top_k.map(|k| Metric::TopKCategoricalAccuracy(k as usize)));
    m.compile(optimizer, loss, &metrics)?;
    if let Some(w) = &a.weights {
        // Fine-tuning from imported weights: a new run with a fresh optimizer.
        m.load_weights(w)?;
    }
    Ok(m)
}
