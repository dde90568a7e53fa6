//! Datasets kept on the device for a whole `fit` / `evaluate` / `predict`: samples are
//! uploaded once (as byte codes plus a palette when they hold at most 256 distinct
//! values, as MNIST pixels and one-hot labels do: 47 MB for MNIST's 60,000 images
//! instead of 188 MB of f32), and every batch is gathered on the device from an index
//! buffer and a cursor the GPU bumps after each step. Nothing crosses the bus inside an
//! epoch except the recorded commands.

use std::ops::Range;

use crate::array::Array;
use crate::cpu::pack_u8;
use crate::error::Result;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::{BatchAt, ByteCodes, Device};

/// How the samples are stored.
enum Storage {
    /// Byte codes, 4 per u32, decoded through a palette of ≤ 256 f32 values (exact).
    Codes { codes: Tensor, palette: Tensor },
    /// Plain f32 samples.
    Plain(Tensor),
}

/// One array (x or y) on the device.
pub(crate) struct ResidentArray {
    storage: Storage,
    n: usize,
    sample_shape: Vec<usize>,
}

impl ResidentArray {
    /// Upload rows `rows` of `a`, packed to bytes when they hold few distinct values.
    /// `None` when they do not fit in one binding (the caller streams batches from the
    /// host instead).
    pub fn new(dev: &Device, a: &Array, rows: Range<usize>) -> Result<Option<ResidentArray>> {
        let n = rows.len();
        let sample_shape = a.sample_shape().to_vec();
        let w = a.row_len();
        let data = &a.data[rows.start * w..rows.end * w];
        let mut shape = a.shape.clone();
        shape[0] = n;
        let storage = match pack_u8(data) {
            Some(p) if p.words.len() * 4 <= dev.max_binding_bytes() => Storage::Codes {
                codes: dev.upload_u32(&[p.words.len()], &p.words)?,
                palette: dev.upload(&[p.palette.len()], &p.palette)?,
            },
            _ if data.len() * 4 <= dev.max_binding_bytes() => {
                Storage::Plain(dev.upload(&shape, data)?)
            }
            _ => return Ok(None),
        };
        Ok(Some(ResidentArray {
            storage,
            n,
            sample_shape,
        }))
    }

    /// Bytes held on the device.
    pub fn bytes(&self) -> usize {
        match &self.storage {
            Storage::Codes { codes, palette } => 4 * (codes.len() + palette.len()),
            Storage::Plain(t) => 4 * t.len(),
        }
    }

    /// `rows` samples numbered `order[cursor·batch_size + r]`.
    pub fn batch(&self, dev: &Device, order: &Order, rows: usize) -> Result<Tensor> {
        let at = order.at(rows);
        match &self.storage {
            Storage::Codes { codes, palette } => dev.gather_u8(
                ByteCodes {
                    codes,
                    palette,
                    n_samples: self.n,
                    sample_shape: &self.sample_shape,
                },
                at,
            ),
            Storage::Plain(src) => dev.gather(src, at),
        }
    }
}

/// The order batches are drawn in: sample numbers on the device, the batch size, and
/// the batch cursor (a device counter bumped after each batch).
pub(crate) struct Order {
    indices: Tensor,
    cursor: Tensor,
    batch_size: usize,
}

impl Order {
    /// Samples 0..n in order, `batch_size` per batch, cursor at 0.
    pub fn sequential(dev: &Device, n: usize, batch_size: usize) -> Result<Order> {
        let idx: Vec<u32> = (0..n as u32).collect();
        Ok(Order {
            indices: dev.upload_u32(&[n.max(1)], &idx)?,
            cursor: dev.counter()?,
            batch_size,
        })
    }

    /// The current batch of `rows` rows, as the gathers read it.
    pub fn at(&self, rows: usize) -> BatchAt<'_> {
        BatchAt {
            order: &self.indices,
            cursor: &self.cursor,
            batch_size: self.batch_size,
            rows,
        }
    }

    /// Start an epoch over `order` (same length as before; row numbers counted from
    /// `base`): upload it, cursor to 0.
    pub fn restart(&mut self, dev: &Device, order: &[usize], base: usize) -> Result<()> {
        let idx: Vec<u32> = order.iter().map(|&i| (i - base) as u32).collect();
        dev.write_u32(&mut self.indices, &idx)?;
        self.rewind(dev)
    }

    /// Cursor back to the first batch.
    pub fn rewind(&mut self, dev: &Device) -> Result<()> {
        dev.write_u32(&mut self.cursor, &[0])
    }

    /// Move to the next batch (recorded on the device; no readback).
    pub fn advance(&mut self, dev: &Device) -> Result<()> {
        dev.counter_step(&mut self.cursor)
    }
}
