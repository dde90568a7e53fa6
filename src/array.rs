//! `Array`: a host-side f32 array with a shape — what `fit`, `evaluate` and `predict` take
//! and return (the role numpy arrays play in Keras) — and `to_categorical`.

use crate::error::{shape_err, Result};

/// Row-major f32 data on the host; the first axis is the sample axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// The values, row-major (last axis fastest).
    pub data: Vec<f32>,
    /// The dimensions; their product is `data.len()`.
    pub shape: Vec<usize>,
}

impl Array {
    /// An array of `shape` holding `data` (their sizes must agree).
    pub fn new(shape: &[usize], data: Vec<f32>) -> Result<Array> {
        let want: usize = shape.iter().product();
        if want != data.len() {
            return shape_err(
                "Array::new",
                format!(
                    "shape {shape:?} holds {want} values but {} were given",
                    data.len()
                ),
            );
        }
        Ok(Array {
            data,
            shape: shape.to_vec(),
        })
    }

    /// Number of samples (the first axis).
    pub fn rows(&self) -> usize {
        self.shape.first().copied().unwrap_or(0)
    }

    /// Values per sample.
    pub fn row_len(&self) -> usize {
        self.shape.iter().skip(1).product()
    }

    /// The shape of one sample.
    pub fn sample_shape(&self) -> &[usize] {
        self.shape.get(1..).unwrap_or(&[])
    }

    /// Samples `start..end` as a new array.
    pub fn slice_rows(&self, start: usize, end: usize) -> Array {
        let w = self.row_len();
        let mut shape = self.shape.clone();
        shape[0] = end - start;
        Array {
            data: self.data[start * w..end * w].to_vec(),
            shape,
        }
    }

    /// Copy the samples at `idx` into `out` (cleared first), in that order.
    pub fn gather_rows_into(&self, idx: &[usize], out: &mut Vec<f32>) {
        let w = self.row_len();
        out.clear();
        for &i in idx {
            out.extend_from_slice(&self.data[i * w..(i + 1) * w]);
        }
    }

    /// Index of the largest value in each sample (first on ties), e.g. predicted classes.
    pub fn argmax_rows(&self) -> Vec<usize> {
        let w = self.row_len().max(1);
        self.data.chunks(w).map(crate::cpu::argmax).collect()
    }
}

/// One-hot encode class indices: `labels[n]` → `[n, num_classes]`, as `keras.utils.to_categorical`.
/// A label ≥ `num_classes` is an error naming its position.
pub fn to_categorical<L: Copy + Into<u64>>(labels: &[L], num_classes: usize) -> Result<Array> {
    let mut data = vec![0f32; labels.len() * num_classes];
    for (i, &l) in labels.iter().enumerate() {
        let l: u64 = l.into();
        if l as usize >= num_classes {
            return shape_err(
                "to_categorical",
                format!("label {l} at index {i} is not below num_classes = {num_classes}"),
            );
        }
        data[i * num_classes + l as usize] = 1.0;
    }
    Array::new(&[labels.len(), num_classes], data)
}
