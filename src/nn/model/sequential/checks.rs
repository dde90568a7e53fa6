//! What `Sequential` checks before it computes: inputs and labels against the model's
//! shapes (and, for sparse labels, their values), a new layer's sizes, and the running
//! size of the weights the memory check reads.

use super::summary::batch_shape;
use super::Sequential;
use crate::array::Array;
use crate::error::{Error, Result};
use crate::nn::model::layer::Layer;

impl Sequential {
    pub(super) fn check_input(&self, op: &str, x: &Array) -> Result<()> {
        if x.sample_shape() != self.input_shape.as_slice() {
            return Err(Error::ShapeMismatch {
                what: format!("{op}: x"),
                expected: format!("{} (the model's input)", batch_shape(&self.input_shape)),
                got: format!("{:?}", x.shape),
            });
        }
        Ok(())
    }

    pub(super) fn check_data(&self, op: &str, x: &Array, y: &Array) -> Result<()> {
        self.check_input(op, x)?;
        if self.compiled.as_ref().is_some_and(|c| c.loss.is_sparse()) {
            check_class_indices(op, y, *self.output_shape().last().unwrap_or(&1))?;
        } else if y.sample_shape() != self.output_shape() {
            return Err(Error::ShapeMismatch {
                what: format!("{op}: y"),
                expected: format!(
                    "{} (the model's output{})",
                    batch_shape(self.output_shape()),
                    if y.shape.len() == 1 {
                        "; one-hot encode class labels with to_categorical, or compile with \
                         sparse_categorical_crossentropy"
                    } else {
                        ""
                    }
                ),
                got: format!("{:?}", y.shape),
            });
        }
        if x.rows() != y.rows() {
            return Err(Error::ShapeMismatch {
                what: format!("{op}: samples in y"),
                expected: format!("{} (as many as x)", x.rows()),
                got: y.rows().to_string(),
            });
        }
        if x.rows() == 0 {
            return Err(Error::ShapeMismatch {
                what: format!("{op}: samples in x"),
                expected: "at least 1".into(),
                got: "0".into(),
            });
        }
        Ok(())
    }
}

/// Labels for sparse_categorical_crossentropy: one class index per sample (shape [n] or
/// [n, 1]), each a whole number in 0..classes; the first bad one is named.
fn check_class_indices(op: &str, y: &Array, classes: usize) -> Result<()> {
    if !matches!(y.sample_shape(), [] | [1]) {
        return Err(Error::ShapeMismatch {
            what: format!("{op}: y"),
            expected: "one class index per sample, shape [n] or [n, 1], as \
                       sparse_categorical_crossentropy takes (compile with \
                       categorical_crossentropy for one-hot labels)"
                .into(),
            got: format!("{:?}", y.shape),
        });
    }
    let bad = y
        .data
        .iter()
        .position(|&v| !(v >= 0.0 && v < classes as f32 && v.fract() == 0.0));
    if let Some(i) = bad {
        return Err(Error::Model(format!(
            "{op}: label {} of sample {i} is not a class index in 0..{classes} (the model \
             has {classes} outputs)",
            y.data[i]
        )));
    }
    Ok(())
}

/// A built layer's output per sample and its parameter count must be countable in
/// `usize`, so all later size arithmetic is exact (and the memory check can run).
pub(super) fn checked_sizes(layer: &dyn Layer, out: Vec<usize>) -> Result<Vec<usize>> {
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

/// What an unbuilt model lacks, for `Error::NotReady`.
pub(super) const NO_WEIGHTS: &str =
    "the model has no weights yet (a model from a description, or re-seeded after its layers)";
/// What builds a model's weights, for `Error::NotReady`.
pub(super) const BUILD_FIRST: &str = "build() (or compile, or load_weights)";

/// The weights' sizes so far, kept by `add` one layer at a time, so the memory check of
/// a new layer (and of `compile`) does not walk every layer again.
#[derive(Clone, Debug, Default)]
pub(crate) struct ParamTally {
    /// Bytes of every weight.
    pub bytes: u128,
    /// The largest weight's bytes, and which it is ("layer 0 (Dense) kernel [784, 64]").
    pub largest: (u128, String),
    /// Scalars in every weight (saturating; a model too large to count cannot fit).
    pub count: usize,
}
