//! `ZeroPadding2D(padding)`: rows and columns of zeros around each NHWC image, as Keras's
//! layer; its backward crops dy back to the input (`shaders/pad2d.wgsl`).

use crate::error::{Error, Result};
use crate::geometry::Pad2dGeometry;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::{LayerSpec, ZeroPadding};

/// Pads images with zeros.
pub struct ZeroPadding2D {
    rows: (usize, usize),
    cols: (usize, usize),
    /// (height, width, channels), known once built.
    input: (usize, usize, usize),
}

impl ZeroPadding2D {
    /// `ZeroPadding2D(((top, bottom), (left, right)))`.
    pub fn new(rows: (usize, usize), cols: (usize, usize)) -> ZeroPadding2D {
        ZeroPadding2D {
            rows,
            cols,
            input: (0, 0, 0),
        }
    }

    fn geometry(&self, n: usize) -> Result<Pad2dGeometry> {
        Pad2dGeometry::new(n, self.input, self.rows, self.cols)
    }
}

impl Layer for ZeroPadding2D {
    fn kind(&self) -> &'static str {
        "ZeroPadding2D"
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::ZeroPadding2D {
            padding: ZeroPadding(self.rows, self.cols),
        }
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let &[h, w, c] = input_shape else {
            return Err(Error::ShapeMismatch {
                what: "ZeroPadding2D input".into(),
                expected: "(height, width, channels)".into(),
                got: format!("{input_shape:?}"),
            });
        };
        self.input = (h, w, c);
        let g = self.geometry(1).map_err(|e| {
            Error::Model(format!(
                "ZeroPadding2D({:?}, {:?}) cannot apply to input {input_shape:?}: {e}",
                self.rows, self.cols
            ))
        })?;
        Ok(vec![g.oh, g.ow, c])
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        self.call(dev, x)
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        dev.pad2d_forward(x, &self.geometry(x.shape()[0])?)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        match need_dx {
            true => Ok(Some(
                dev.pad2d_backward(dy, &self.geometry(dy.shape()[0])?)?,
            )),
            false => Ok(None),
        }
    }
}
