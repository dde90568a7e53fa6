//! `Reshape(target_shape)`: each sample to another shape of the same size, as Keras (one
//! dimension may be −1, inferred). A view: no data moves.

use crate::error::{Error, Result};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::CanFuse;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::LayerSpec;

/// Reshapes each sample.
pub struct Reshape {
    target: Vec<isize>,
    input: Vec<usize>,
    output: Vec<usize>,
}

impl Reshape {
    /// `Reshape(target_shape)`, e.g. `Reshape::new(&[7, 7, 16])` or `&[-1, 16]`.
    pub fn new(target_shape: &[isize]) -> Reshape {
        Reshape {
            target: target_shape.to_vec(),
            input: Vec::new(),
            output: Vec::new(),
        }
    }

    fn with_batch(n: usize, shape: &[usize]) -> Vec<usize> {
        let mut v = vec![n];
        v.extend_from_slice(shape);
        v
    }
}

impl Layer for Reshape {
    fn kind(&self) -> &'static str {
        "Reshape"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::Reshape {
            target_shape: self.target.iter().map(|&d| d as i64).collect(),
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let bad = |why: String| {
            Err(Error::Model(format!(
                "Reshape({:?}) of input shape {input_shape:?}: {why}",
                self.target
            )))
        };
        let size = input_shape.iter().product::<usize>();
        let unknown = self.target.iter().filter(|&&d| d == -1).count();
        if unknown > 1 || self.target.iter().any(|&d| d == 0 || d < -1) {
            return bad("use positive sizes, and at most one −1".into());
        }
        let known = self
            .target
            .iter()
            .filter(|&&d| d > 0)
            .try_fold(1usize, |a, &d| a.checked_mul(d as usize));
        let Some(known) = known.filter(|&k| k > 0) else {
            return bad("the sizes overflow".into());
        };
        let inferred = size / known;
        let out: Vec<usize> = self
            .target
            .iter()
            .map(|&d| if d == -1 { inferred } else { d as usize })
            .collect();
        if out.iter().product::<usize>() != size || (unknown == 1 && size % known != 0) {
            return Err(Error::ShapeMismatch {
                what: format!("Reshape({:?}): values per sample", self.target),
                expected: match unknown {
                    1 => format!("a multiple of {known}"),
                    _ => known.to_string(),
                },
                got: format!("{size} (input shape {input_shape:?})"),
            });
        }
        self.input = input_shape.to_vec();
        self.output = out.clone();
        Ok(out)
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        self.call(dev, x)
    }

    fn call(&self, _dev: &Device, x: &Tensor) -> Result<Tensor> {
        Ok(x.reshape(&Self::with_batch(x.shape()[0], &self.output)))
    }

    fn can_fuse(&self) -> CanFuse {
        CanFuse {
            reshapes_only: true,
            ..CanFuse::default()
        }
    }

    fn backward(&mut self, _dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        Ok(need_dx.then(|| dy.reshape(&Self::with_batch(dy.shape()[0], &self.input))))
    }
}
