//! Where the batches of one `fit` / `evaluate` / `predict` loop come from: the dataset
//! kept on the device and gathered there (the default), or — for data too large for
//! one binding, or when switched off — rows gathered on the host and uploaded per batch.

use std::ops::Range;

use super::resident::{Order, ResidentArray};
use crate::array::Array;
use crate::error::Result;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;

#[allow(clippy::large_enum_variant)] // one per loop, never moved around
enum Path<'a> {
    Resident {
        x: ResidentArray,
        y: Option<ResidentArray>,
        order: Order,
    },
    Host {
        x: &'a Array,
        y: Option<&'a Array>,
        xb: Vec<f32>,
        yb: Vec<f32>,
    },
}

/// Batches of `batch_size` rows over some rows of x (and y), in an order set per pass.
pub(crate) struct Feed<'a> {
    path: Path<'a>,
    /// Row numbers of x, in this pass's order.
    order: Vec<usize>,
    base: usize,
    batch_size: usize,
}

impl<'a> Feed<'a> {
    /// A feed over rows `rows` of x (and y), in order. `resident`: keep those rows on
    /// the device when they fit.
    pub fn new(
        dev: &Device,
        x: &'a Array,
        y: Option<&'a Array>,
        rows: Range<usize>,
        batch_size: usize,
        resident: bool,
    ) -> Result<Feed<'a>> {
        let n = rows.len();
        let base = rows.start;
        let order: Vec<usize> = rows.clone().collect();
        let host = Path::Host {
            x,
            y,
            xb: Vec::new(),
            yb: Vec::new(),
        };
        let path = if !resident {
            host
        } else {
            let rx = ResidentArray::new(dev, x, rows.clone())?;
            match (rx, y.map(|y| ResidentArray::new(dev, y, rows.clone()))) {
                (Some(rx), None) => Path::Resident {
                    x: rx,
                    y: None,
                    order: Order::sequential(dev, n, batch_size)?,
                },
                (Some(rx), Some(Ok(Some(ry)))) => Path::Resident {
                    x: rx,
                    y: Some(ry),
                    order: Order::sequential(dev, n, batch_size)?,
                },
                (_, Some(Err(e))) => return Err(e),
                _ => host,
            }
        };
        Ok(Feed {
            path,
            order,
            base,
            batch_size,
        })
    }

    /// Bytes of data kept on the device.
    pub fn resident_bytes(&self) -> usize {
        match &self.path {
            Path::Resident { x, y, .. } => x.bytes() + y.as_ref().map_or(0, |y| y.bytes()),
            Path::Host { .. } => 0,
        }
    }

    /// Batches per pass.
    pub fn steps(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// Start a pass: in `order` (a permutation of the feed's row numbers) when given,
    /// else as before.
    pub fn start(&mut self, dev: &Device, order: Option<&[usize]>) -> Result<()> {
        if let Some(o) = order {
            debug_assert_eq!(o.len(), self.order.len());
            self.order.copy_from_slice(o);
        }
        match &mut self.path {
            Path::Resident { order: ord, .. } => match order {
                Some(_) => ord.restart(dev, &self.order, self.base),
                None => ord.rewind(dev),
            },
            Path::Host { .. } => Ok(()),
        }
    }

    /// Batch number `s` of the pass (call with s = 0, 1, 2, ... in turn): x and, when the
    /// feed has labels, y.
    pub fn batch(&mut self, dev: &Device, s: usize) -> Result<(Tensor, Option<Tensor>)> {
        let lo = s * self.batch_size;
        let hi = (lo + self.batch_size).min(self.order.len());
        match &mut self.path {
            Path::Resident { x, y, order } => {
                let xt = x.batch(dev, order, hi - lo)?;
                let yt = y
                    .as_ref()
                    .map(|y| y.batch(dev, order, hi - lo))
                    .transpose()?;
                order.advance(dev)?;
                Ok((xt, yt))
            }
            Path::Host { x, y, xb, yb } => {
                let idx = &self.order[lo..hi];
                let xt = upload_rows(dev, x, idx, xb)?;
                let yt = y.map(|y| upload_rows(dev, y, idx, yb)).transpose()?;
                Ok((xt, yt))
            }
        }
    }
}

/// The rows of `a` at `idx` as a batch tensor (`buf` is reused host scratch).
pub(crate) fn upload_rows(
    dev: &Device,
    a: &Array,
    idx: &[usize],
    buf: &mut Vec<f32>,
) -> Result<Tensor> {
    a.gather_rows_into(idx, buf);
    let mut shape = vec![idx.len()];
    shape.extend_from_slice(a.sample_shape());
    dev.upload(&shape, buf)
}
