//! Datasets kept on the backend for a whole `fit` / `evaluate` / `predict`: samples are
//! uploaded once (as byte codes plus a palette when they hold at most 256 distinct
//! values, as MNIST pixels and one-hot labels do: 47 MB for MNIST's 60,000 images
//! instead of 188 MB of f32), and every batch is gathered on the backend from an index
//! buffer and a cursor the GPU bumps after each step. Nothing crosses the bus inside an
//! epoch except the recorded commands.

use std::ops::Range;

use super::backend::{Backend, BatchAt, ByteCodes};
use super::tensor::Tensor;
use crate::array::Array;
use crate::cpu::pack_u8;
use crate::error::Result;

/// How the samples are stored.
enum Storage {
    /// Byte codes, 4 per u32, decoded through a palette of ≤ 256 f32 values (exact).
    Codes { codes: Tensor, palette: Tensor },
    /// Plain f32 samples.
    Plain(Tensor),
}

/// One array (x or y) on the backend.
pub(crate) struct ResidentArray {
    storage: Storage,
    n: usize,
    sample_shape: Vec<usize>,
}

impl ResidentArray {
    /// Upload rows `rows` of `a`, packed to bytes when they hold few distinct values.
    /// `None` when they do not fit in one binding (the caller streams batches from the
    /// host instead).
    pub fn new(be: &Backend, a: &Array, rows: Range<usize>) -> Result<Option<ResidentArray>> {
        let n = rows.len();
        let sample_shape = a.sample_shape().to_vec();
        let w = a.row_len();
        let data = &a.data[rows.start * w..rows.end * w];
        let mut shape = a.shape.clone();
        shape[0] = n;
        let storage = match pack_u8(data) {
            Some(p) if p.words.len() * 4 <= be.max_binding_bytes() => Storage::Codes {
                codes: be.upload_u32(&[p.words.len()], &p.words)?,
                palette: be.upload(&[p.palette.len()], &p.palette)?,
            },
            _ if data.len() * 4 <= be.max_binding_bytes() => {
                Storage::Plain(be.upload(&shape, data)?)
            }
            _ => return Ok(None),
        };
        Ok(Some(ResidentArray {
            storage,
            n,
            sample_shape,
        }))
    }

    /// Bytes held on the backend.
    pub fn bytes(&self) -> usize {
        match &self.storage {
            Storage::Codes { codes, palette } => 4 * (codes.len() + palette.len()),
            Storage::Plain(t) => 4 * t.len(),
        }
    }

    /// `rows` samples numbered `order[cursor·batch_size + r]`.
    pub fn batch(&self, be: &Backend, order: &Order, rows: usize) -> Result<Tensor> {
        let at = order.at(rows);
        match &self.storage {
            Storage::Codes { codes, palette } => be.gather_u8(
                ByteCodes {
                    codes,
                    palette,
                    n_samples: self.n,
                    sample_shape: &self.sample_shape,
                },
                at,
            ),
            Storage::Plain(src) => be.gather(src, at),
        }
    }
}

/// The order batches are drawn in: sample numbers on the backend, the batch size, and
/// the batch cursor (a backend counter bumped after each batch).
pub(crate) struct Order {
    indices: Tensor,
    cursor: Tensor,
    batch_size: usize,
}

impl Order {
    /// Samples 0..n in order, `batch_size` per batch, cursor at 0.
    pub fn sequential(be: &Backend, n: usize, batch_size: usize) -> Result<Order> {
        let idx: Vec<u32> = (0..n as u32).collect();
        Ok(Order {
            indices: be.upload_u32(&[n.max(1)], &idx)?,
            cursor: be.counter()?,
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
    pub fn restart(&mut self, be: &Backend, order: &[usize], base: usize) -> Result<()> {
        let idx: Vec<u32> = order.iter().map(|&i| (i - base) as u32).collect();
        be.write_u32(&mut self.indices, &idx)?;
        self.rewind(be)
    }

    /// Cursor back to the first batch.
    pub fn rewind(&mut self, be: &Backend) -> Result<()> {
        be.write_u32(&mut self.cursor, &[0])
    }

    /// Move to the next batch (recorded on the backend; no readback).
    pub fn advance(&mut self, be: &Backend) -> Result<()> {
        be.counter_step(&mut self.cursor)
    }
}
