//! Fusion as one pass: what each layer can fuse ([`CanFuse`], from `Layer::can_fuse`), and
//! the [`FusionPlan`] that `compile` makes from those over the whole layer list, the loss
//! and the device ([`plan`]), then hands to each layer (`Layer::set_fusion`) and to the
//! training step. The fusions, each one dispatch (or more) fewer per step, the same bits:
//!
//! - **fused loss**: a softmax (sigmoid) last layer outputs logits and the cross-entropy
//!   applies the softmax itself; on a device that fuses, a (sparse) categorical
//!   cross-entropy computes its loss, gradient and sums in one dispatch;
//! - **ReLU mask carried forward**: a layer ending in ReLU skips its relu_backward and the
//!   next layer that is not a reshape (past Flatten / Reshape) multiplies its dx by
//!   `[input > 0]` in its own backward (Dense in its input-gradient matmul, MaxPooling2D in
//!   its gather);
//! - **skipped dX**: only layers from the first one with trainable weights run backward,
//!   and that first one computes no input gradient.
//!
//! Fusions inside one layer need no plan and are always on: the bias and a ReLU in the
//! forward matmul's epilogue, the weight and bias gradients in one dispatch.

use crate::nn::training::loss::{Loss, LossConfig};
use crate::nn::Activation;

/// What a layer can take part in when `compile` plans the fusions: its answer to
/// `Layer::can_fuse`. The default (every field off) fuses nothing, which is always right.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CanFuse {
    /// The activation the layer ends in (Dense, Conv2D, Activation). On the last layer a
    /// softmax or sigmoid here fuses with a cross-entropy loss: the plan then sets
    /// [`LayerFusion::output_logits`], which the layer must honour by skipping it.
    pub activation: Option<Activation>,
    /// The layer ends in a ReLU whose derivative it can leave to the next layer (Dense
    /// and Conv2D with activation "relu"): it honours
    /// [`LayerFusion::skip_relu_backward`].
    pub relu_for_next: bool,
    /// Backward can multiply dx by `[input > 0]` in the same dispatch (Dense, MaxPooling2D):
    /// it honours [`LayerFusion::mask_input_relu`].
    pub masks_input_relu: bool,
    /// Backward only reshapes dy (Flatten, Reshape): a ReLU derivative can be applied past
    /// the layer.
    pub reshapes_only: bool,
}

/// A layer as the planner sees it: what it can fuse, and whether it has trainable weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LayerFacts {
    pub can: CanFuse,
    pub trainable: bool,
}

/// One layer's part of the plan (`Layer::set_fusion` receives it). A bit is on only where
/// the layer's [`CanFuse`] said it could.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayerFusion {
    /// Output pre-activation logits: skip the softmax or sigmoid (the loss applies it).
    pub output_logits: bool,
    /// Skip this layer's own ReLU backward: the next layer applies it.
    pub skip_relu_backward: bool,
    /// Multiply dx by `[input > 0]`: the ReLU derivative of the layer before.
    pub mask_input_relu: bool,
    /// The training step runs this layer's backward (layers before the first one with
    /// trainable weights do not).
    pub backward: bool,
    /// Backward computes dx (not the first layer run backward: nothing before it needs it).
    pub need_dx: bool,
}

/// The fusions `compile` chose for a model (`Sequential::fusion_plan`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FusionPlan {
    /// Each layer's part, in layer order.
    pub layers: Vec<LayerFusion>,
    /// A training step's loss, gradient and sums in one dispatch (a categorical or sparse
    /// categorical cross-entropy on a device that fuses, without top-k accuracy).
    pub one_dispatch_loss: bool,
}

/// Which layers run backward, and which of those compute dx, as `(backward, need_dx)`:
/// from the first layer with trainable weights on, which itself computes no dx.
pub(crate) fn backward_bits(layers: &[LayerFacts]) -> Vec<(bool, bool)> {
    let first = layers.iter().position(|l| l.trainable);
    (0..layers.len())
        .map(|i| match first {
            Some(f) => (i >= f, i > f),
            None => (false, false),
        })
        .collect()
}

/// The plan for `layers` trained with `loss` on a device that fuses (`Device::fuses`,
/// the GPU) or not, with or without top-k accuracy. Pure: the same inputs, the same plan.
pub(crate) fn plan(
    layers: &[LayerFacts],
    loss: LossConfig,
    fuses: bool,
    top_k: bool,
) -> FusionPlan {
    let mut out: Vec<LayerFusion> = backward_bits(layers)
        .into_iter()
        .map(|(backward, need_dx)| LayerFusion {
            backward,
            need_dx,
            ..LayerFusion::default()
        })
        .collect();
    // The fused loss: the last layer's softmax (sigmoid) goes into the cross-entropy.
    let fused = loss.loss.output_activation().filter(|_| !loss.from_logits);
    if let (Some(act), Some(last)) = (fused, layers.last()) {
        if last.can.activation == Some(act) {
            out.last_mut().expect("a last layer").output_logits = true;
        }
    }
    // The ReLU mask, from the back, keeping the next layer that is not a reshape (linear
    // in layers). Only where the device fuses: the CPU twins keep the plain ops.
    if fuses {
        let mut next: Option<usize> = None;
        for i in (0..layers.len()).rev() {
            let j = next;
            if !layers[i].can.reshapes_only {
                next = Some(i);
            }
            let Some(j) = j else { continue };
            if layers[i].can.relu_for_next
                && out[i].backward
                && layers[j].can.masks_input_relu
                && out[j].need_dx
            {
                out[i].skip_relu_backward = true;
                out[j].mask_input_relu = true;
            }
        }
    }
    let cross_entropy = matches!(
        loss.loss,
        Loss::CategoricalCrossentropy | Loss::SparseCategoricalCrossentropy
    );
    FusionPlan {
        layers: out,
        one_dispatch_loss: fuses && cross_entropy && !top_k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made-up layers, as the planner sees them.
    fn relu_affine(masks: bool) -> LayerFacts {
        LayerFacts {
            can: CanFuse {
                activation: Some(Activation::Relu),
                relu_for_next: true,
                masks_input_relu: masks,
                reshapes_only: false,
            },
            trainable: true,
        }
    }
    fn affine(act: Activation, masks: bool) -> LayerFacts {
        LayerFacts {
            can: CanFuse {
                activation: Some(act),
                masks_input_relu: masks,
                ..CanFuse::default()
            },
            trainable: true,
        }
    }
    fn reshape() -> LayerFacts {
        LayerFacts {
            can: CanFuse {
                reshapes_only: true,
                ..CanFuse::default()
            },
            trainable: false,
        }
    }
    fn max_pool() -> LayerFacts {
        LayerFacts {
            can: CanFuse {
                masks_input_relu: true,
                ..CanFuse::default()
            },
            trainable: false,
        }
    }
    fn mse() -> LossConfig {
        Loss::MeanSquaredError.into()
    }
    fn pairs(p: &FusionPlan) -> Vec<(bool, bool)> {
        p.layers
            .iter()
            .map(|l| (l.skip_relu_backward, l.mask_input_relu))
            .collect()
    }

    #[test]
    fn a_relu_dense_hands_its_mask_past_flatten_to_the_next_dense() {
        let layers = [
            relu_affine(true),
            reshape(),
            affine(Activation::Linear, true),
        ];
        let p = plan(&layers, mse(), true, false);
        assert_eq!(pairs(&p), [(true, false), (false, false), (false, true)]);
        // The first Dense runs backward without dx; Flatten and the last Dense need dx.
        let dx: Vec<_> = p.layers.iter().map(|l| (l.backward, l.need_dx)).collect();
        assert_eq!(dx, [(true, false), (true, true), (true, true)]);
        assert!(!p.one_dispatch_loss, "mse has no one-dispatch step");
    }

    #[test]
    fn a_relu_conv_hands_its_mask_to_max_pooling() {
        let layers = [relu_affine(false), max_pool(), relu_affine(false)];
        let p = plan(&layers, mse(), true, false);
        assert_eq!(pairs(&p), [(true, false), (false, true), (false, false)]);
        // A pool of a ReLU output that is the model's start: nothing to pair.
        let p = plan(
            &[max_pool(), affine(Activation::Linear, true)],
            mse(),
            true,
            false,
        );
        assert_eq!(pairs(&p), [(false, false), (false, false)]);
        assert!(
            !p.layers[0].backward,
            "no weights before the Dense: no backward"
        );
    }

    #[test]
    fn a_device_that_does_not_fuse_pairs_nothing() {
        let layers = [
            relu_affine(true),
            reshape(),
            affine(Activation::Softmax, true),
        ];
        let loss: LossConfig = Loss::CategoricalCrossentropy.into();
        let gpu = plan(&layers, loss, true, false);
        let cpu = plan(&layers, loss, false, false);
        assert_eq!(pairs(&gpu), [(true, false), (false, false), (false, true)]);
        assert_eq!(pairs(&cpu), [(false, false); 3]);
        assert!(gpu.one_dispatch_loss && !cpu.one_dispatch_loss);
        // The loss's softmax and the skipped dx do not depend on the device.
        assert!(cpu.layers[2].output_logits && gpu.layers[2].output_logits);
        assert!(!cpu.layers[0].need_dx && cpu.layers[2].need_dx);
    }

    #[test]
    fn softmax_and_cross_entropy_fuse_unless_from_logits() {
        let soft = [affine(Activation::Softmax, false)];
        let lin = [affine(Activation::Linear, false)];
        let ce = Loss::CategoricalCrossentropy;
        assert!(plan(&soft, ce.into(), true, false).layers[0].output_logits);
        let p = plan(&lin, ce.from_logits(), true, false);
        assert!(!p.layers[0].output_logits && p.one_dispatch_loss);
        // Binary cross-entropy fuses a sigmoid, not a softmax; mse fuses nothing.
        let bce = Loss::BinaryCrossentropy;
        let sig = [affine(Activation::Sigmoid, false)];
        assert!(plan(&sig, bce.into(), true, false).layers[0].output_logits);
        assert!(!plan(&soft, bce.into(), true, false).layers[0].output_logits);
        assert!(!plan(&soft, mse(), true, false).layers[0].output_logits);
        // Top-k accuracy needs the probabilities: the loss takes the plain ops.
        assert!(!plan(&soft, ce.into(), true, true).one_dispatch_loss);
        // Only the last layer outputs logits.
        let two = [
            affine(Activation::Softmax, false),
            affine(Activation::Softmax, false),
        ];
        let p = plan(&two, ce.into(), false, false);
        assert_eq!(
            (p.layers[0].output_logits, p.layers[1].output_logits),
            (false, true)
        );
    }

    #[test]
    fn a_linear_layer_before_a_masking_layer_pairs_nothing() {
        let layers = [
            affine(Activation::Linear, false),
            reshape(),
            affine(Activation::Linear, true),
        ];
        assert_eq!(
            pairs(&plan(&layers, mse(), true, false)),
            [(false, false); 3]
        );
        // Nor a ReLU layer before one that cannot mask (Dropout, Activation, ...).
        let plain = LayerFacts::default();
        let layers = [relu_affine(false), plain, affine(Activation::Linear, true)];
        assert_eq!(
            pairs(&plan(&layers, mse(), true, false)),
            [(false, false); 3]
        );
    }

    #[test]
    fn a_model_without_weights_runs_nothing_backward() {
        let p = plan(&[reshape(), max_pool()], mse(), true, false);
        assert!(p.layers.iter().all(|l| !l.backward && !l.need_dx));
        assert_eq!(plan(&[], mse(), true, false), FusionPlan::default());
    }
}
