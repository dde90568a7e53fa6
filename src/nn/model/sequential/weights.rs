//! A model's weights as host arrays in Keras layout: `get_weights` and `set_weights`, as
//! Keras names them, with [`NamedArray`] ("layers.{i}.kernel" / "layers.{i}.bias").

use super::checks::{BUILD_FIRST, NO_WEIGHTS};
use super::Sequential;
use crate::array::Array;
use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;

/// A named weight tensor in Keras layout, e.g. "layers.0.kernel".
#[derive(Clone, Debug, PartialEq)]
pub struct NamedArray {
    /// The weight's name, e.g. "layers.0.kernel".
    pub name: String,
    /// The values, in Keras layout.
    pub array: Array,
}

impl Sequential {
    /// Every weight in Keras layout, named "layers.{i}.kernel" / "layers.{i}.bias".
    /// A model has them once its layers are added; one read from a description (or
    /// re-seeded after its layers) has them after `build` (or compile, or load_weights).
    pub fn get_weights(&self) -> Result<Vec<NamedArray>> {
        self.weight_tensors()?
            .into_iter()
            .map(|(name, shape, t)| {
                let array = Array::new(&shape, self.device.download(t)?)?;
                Ok(NamedArray { name, array })
            })
            .collect()
    }

    /// Every weight's name, shape and tensor (what `get_weights` reads back).
    pub(super) fn weight_tensors(&self) -> Result<Vec<(String, Vec<usize>, &Tensor)>> {
        if self.layers.is_empty() {
            return Err(Error::Model(
                "get_weights: the model has no layers, so no weights; add layers first".into(),
            ));
        }
        if !self.initialised {
            return Err(Error::NotReady {
                call: "get_weights",
                why: NO_WEIGHTS.into(),
                first: BUILD_FIRST,
            });
        }
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            for p in l.params() {
                out.push((format!("layers.{i}.{}", p.name), p.shape.clone(), &p.value));
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
                    return Err(Error::ShapeMismatch {
                        what: format!("set_weights: {name}"),
                        expected: format!("{:?} (the layer's)", p.shape),
                        got: format!("{:?}", w.array.shape),
                    });
                }
                self.device.write(&mut p.value, &w.array.data)?;
            }
        }
        Ok(())
    }
}
