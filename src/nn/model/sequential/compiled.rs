//! `compile`, and what it chose, read back and adjusted: the optimizer, loss and metrics,
//! the loss's from_logits setting, gradient clipping, the schedule and the learning rate.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{Compiled, Sequential};
use crate::error::{Error, Result};
use crate::hyperparams::GradientClip;
use crate::hyperparams::LearningRateSchedule;
use crate::nn::model::fusion::{self, FusionPlan, LayerFacts};
use crate::nn::training::loss::{Loss, LossConfig, Metric};
use crate::nn::training::optimizer::{ClippedOptimizer, Optimizer, OptimizerState};
use crate::nn::Activation;

impl Sequential {
    /// Choose the optimizer, loss and metrics, and reset the optimizer state; the weights
    /// are built first if they are not yet (`build`), and kept as they are otherwise, so
    /// weights loaded before `compile` stay and `compile` may be called again.
    /// A cross-entropy fuses with the output layer's softmax (sigmoid for
    /// binary_crossentropy), which must be there — or, with `Loss::X.from_logits()`, the
    /// output layer must be linear.
    pub fn compile(
        &mut self,
        optimizer: impl Into<ClippedOptimizer>,
        loss: impl Into<LossConfig>,
        metrics: &[Metric],
    ) -> Result<()> {
        let ClippedOptimizer {
            optimizer,
            clip,
            schedule,
        } = optimizer.into();
        if let Some(c) = clip {
            c.check()?;
        }
        if let Some(s) = &schedule {
            s.check()?;
        }
        let LossConfig { loss, from_logits } = loss.into();
        let Some(last) = self.layers.last() else {
            return Err(Error::NotReady {
                call: "compile",
                why: "the model has no layers".into(),
                first: "add",
            });
        };
        let out = self.output_shape().to_vec();
        let width = *out.last().unwrap_or(&1);
        let last_act = last.can_fuse().activation;
        let wanted = match (loss.output_activation(), from_logits) {
            (None, true) => {
                return Err(Error::Unsupported {
                    context: "compile".into(),
                    feature: format!("from_logits with {}", loss.name()),
                    reason: "from_logits applies to the cross-entropies".into(),
                })
            }
            (None, false) => None,
            (Some(act), false) => Some(act),
            (Some(_), true) => Some(Activation::Linear),
        };
        if let Some(want) = wanted.filter(|&w| last_act != Some(w)) {
            let fix = match from_logits {
                true => "use a linear last layer, or a plain loss for a softmax/sigmoid output"
                    .to_string(),
                false => format!(
                    "use activation {} there, or from_logits with a linear last layer",
                    want.name()
                ),
            };
            return Err(Error::Model(format!(
                "compile: {}{} needs a {} output, but the last layer ({} {}) has activation \
                 {}; {fix}",
                loss.name(),
                if from_logits { " from_logits" } else { "" },
                want.name(),
                self.names.last().expect("layer"),
                last.kind(),
                last_act.map_or("none", |a| a.name())
            )));
        }
        let accuracy = metrics.contains(&Metric::Accuracy);
        let top_k = metrics.iter().find_map(|m| match m {
            Metric::TopKCategoricalAccuracy(k) => Some(*k),
            Metric::Accuracy => None,
        });
        if let Some(k) = top_k {
            let categorical = matches!(
                loss,
                Loss::CategoricalCrossentropy | Loss::SparseCategoricalCrossentropy
            );
            if !categorical || k == 0 {
                return Err(Error::Model(format!(
                    "compile: top_k_categorical_accuracy (k = {k}) ranks the classes of a \
                     categorical or sparse_categorical_crossentropy model with k ≥ 1; this \
                     one is compiled with {}",
                    loss.name()
                )));
            }
        }
        if accuracy && width < 2 && loss != Loss::BinaryCrossentropy {
            return Err(Error::Model(format!(
                "compile: accuracy compares argmax classes and needs at least 2 outputs; the \
                 model outputs {out:?}"
            )));
        }
        // Sizes first (with the optimizer's slots): nothing is allocated for a model that
        // cannot fit. Weights built before (`build`, `load_weights`) are kept.
        self.check_params_fit(OptimizerState::slot_names(&optimizer).len())?;
        self.build()?;
        let config = LossConfig { loss, from_logits };
        let plan = fusion::plan(
            &self.layer_facts(),
            config,
            self.device.fuses(),
            top_k.is_some(),
        );
        for (l, part) in self.layers.iter_mut().zip(&plan.layers) {
            l.set_fusion(*part);
        }
        let params: Vec<_> = self
            .layers
            .iter_mut()
            .flat_map(|l| l.trainable_params_mut())
            .collect();
        let state = OptimizerState::new(&self.device, &optimizer, schedule.as_ref(), params)?;
        self.compiled = Some(Compiled {
            optimizer,
            clip,
            schedule,
            state,
            loss,
            from_logits,
            accuracy,
            top_k,
            plan,
        });
        Ok(())
    }

    /// Allocate the weights and initialise them from the seed (Glorot-uniform kernels,
    /// zero biases): what Keras calls building the model. `add` builds each layer's
    /// weights as it comes, so this is a no-op then; a model from a description
    /// (`from_spec`), or re-seeded after its layers, is built here, or by `compile`,
    /// `load_weights` or `set_weights`. A model without layers has nothing to build: an
    /// error.
    pub fn build(&mut self) -> Result<()> {
        if self.initialised {
            return Ok(());
        }
        if self.layers.is_empty() {
            return Err(Error::Model(
                "build: the model has no layers, so no weights; add layers first".into(),
            ));
        }
        // Sizes first: nothing is allocated for a model that cannot fit.
        self.check_params_fit(0)?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        for l in &mut self.layers {
            l.init(&self.device, &mut rng)?;
        }
        // Layers added later continue the same draws.
        self.init_rng = rng;
        self.build_on_add = true;
        self.initialised = true;
        Ok(())
    }

    /// Whether the weights exist: once layers are added (a model from a description, or
    /// re-seeded after its layers: after `build`, `compile`, `load_weights` or
    /// `set_weights`).
    pub fn is_built(&self) -> bool {
        self.initialised
    }

    /// The optimizer, loss and metrics given to `compile`, if it was called.
    pub fn compiled_with(&self) -> Option<(Optimizer, Loss, Vec<Metric>)> {
        self.compiled.as_ref().map(|c| {
            let mut metrics = Vec::new();
            if c.accuracy {
                metrics.push(Metric::Accuracy);
            }
            metrics.extend(c.top_k.map(Metric::TopKCategoricalAccuracy));
            (c.optimizer, c.loss, metrics)
        })
    }

    /// The gradient clipping given to `compile`, if any.
    pub fn gradient_clip(&self) -> Option<GradientClip> {
        self.compiled.as_ref().and_then(|c| c.clip)
    }

    /// Train on with another learning rate (Keras's `model.optimizer.learning_rate = lr`),
    /// keeping the optimizer's state; a checkpoint saved afterwards records it.
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(Error::Model(format!(
                "set_learning_rate: {lr} is not a positive number"
            )));
        }
        let c = self.compiled.as_mut().ok_or_else(|| Error::NotReady {
            call: "set_learning_rate",
            why: "the model has no optimizer yet".into(),
            first: "compile",
        })?;
        if let Some(s) = &c.schedule {
            return Err(Error::Unsupported {
                context: "set_learning_rate".into(),
                feature: format!(
                    "setting the rate of an optimizer with a {} schedule",
                    s.name()
                ),
                reason: "the schedule sets every step's rate (as in Keras)".into(),
            });
        }
        c.optimizer = c.optimizer.with_learning_rate(lr);
        c.state.set_rate(&self.device, lr)?;
        Ok(())
    }

    /// The learning-rate schedule given to `compile`, if any.
    pub fn learning_rate_schedule(&self) -> Option<&LearningRateSchedule> {
        self.compiled.as_ref().and_then(|c| c.schedule.as_ref())
    }

    /// The learning rate the next update will use (the schedule's at the current step).
    pub fn current_learning_rate(&self) -> Option<f32> {
        self.compiled.as_ref().map(|c| c.learning_rate())
    }

    /// The loss given to `compile` with its from_logits setting, if it was called.
    pub fn loss_config(&self) -> Option<LossConfig> {
        self.compiled.as_ref().map(|c| LossConfig {
            loss: c.loss,
            from_logits: c.from_logits,
        })
    }

    /// The fusions `compile` chose (`None` before `compile`): per layer, whether it
    /// outputs logits for the loss, leaves its ReLU backward to the next layer, applies the
    /// previous layer's ReLU mask, runs backward and computes dx; and whether the loss
    /// takes one dispatch. For inspection and tests: the plan changes dispatches, never
    /// results.
    pub fn fusion_plan(&self) -> Option<&FusionPlan> {
        self.compiled.as_ref().map(|c| &c.plan)
    }

    /// Each layer as the fusion planner sees it: what it can fuse, and whether it has
    /// trainable weights (known from its shapes, before the weights exist).
    pub(crate) fn layer_facts(&self) -> Vec<LayerFacts> {
        self.layers
            .iter()
            .map(|l| {
                let frozen = l.non_trainable_weights();
                LayerFacts {
                    can: l.can_fuse(),
                    trainable: l.param_shapes().iter().any(|(n, _)| !frozen.contains(n)),
                }
            })
            .collect()
    }
}
