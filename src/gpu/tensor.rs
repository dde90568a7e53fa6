//! GPU tensors: a storage buffer from the pool plus a shape. Clones and reshapes are views
//! of the same buffer; when the last one is dropped the buffer goes back to the pool.
//! A tensor may also be a range of a larger buffer (`Gpu::arena`: every parameter of a
//! model in one buffer, so one optimizer dispatch updates them all); launchers bind it
//! with its offset. Reads and writes go through `Gpu` (upload, download, launchers).

use std::sync::Arc;

use super::pool::BufferPool;

/// Element type of a GPU tensor. Values are f32; indices (max-pool argmax, labels) are u32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// 32-bit float values.
    F32,
    /// 32-bit unsigned indices.
    U32,
}

/// A tensor living in a GPU storage buffer (row-major, last dimension fastest).
/// `clone()` is cheap and shares the buffer (a view, as in PyTorch).
#[derive(Clone)]
pub struct GpuTensor {
    pub(crate) buffer: wgpu::Buffer,
    /// Where the tensor starts in `buffer`, in bytes (0 unless it is an arena's range).
    pub(crate) offset: u64,
    pub(crate) shape: Vec<usize>,
    pub(crate) dtype: DType,
    _storage: Arc<Pooled>,
}

/// Ownership of a pooled buffer: returned to the pool when the last view is dropped.
struct Pooled {
    buffer: wgpu::Buffer,
    pool: Arc<BufferPool>,
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give(self.buffer.clone());
    }
}

impl GpuTensor {
    pub(crate) fn new(
        buffer: wgpu::Buffer,
        shape: Vec<usize>,
        dtype: DType,
        pool: Arc<BufferPool>,
    ) -> Self {
        GpuTensor {
            buffer: buffer.clone(),
            offset: 0,
            shape,
            dtype,
            _storage: Arc::new(Pooled { buffer, pool }),
        }
    }

    /// The shape, outermost dimension first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The same buffer seen with another shape of the same element count (use
    /// `t.clone().reshaped(..)` to keep `t`). Returns `None` when the counts differ.
    pub fn reshaped(self, shape: &[usize]) -> Option<GpuTensor> {
        if shape.iter().product::<usize>() != self.len() {
            return None;
        }
        let mut t = self;
        t.shape = shape.to_vec();
        Some(t)
    }

    /// The underlying wgpu buffer, for callers that record their own commands (the
    /// tensor starts at [`offset`](Self::offset) in it).
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Where the tensor starts in [`buffer`](Self::buffer), in bytes.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The range `[start, start + len(shape))` (in elements) of this tensor as a tensor
    /// of `shape` sharing the buffer. `start` must keep the adapter's storage offset
    /// alignment (`Gpu::arena` lays ranges out so); panics past the end (a bug).
    pub(crate) fn view(&self, start: usize, shape: &[usize]) -> GpuTensor {
        let n: usize = shape.iter().product();
        assert!(
            start + n <= self.len(),
            "view [{start}, +{n}) past {:?}",
            self.shape
        );
        GpuTensor {
            buffer: self.buffer.clone(),
            offset: self.offset + start as u64 * 4,
            shape: shape.to_vec(),
            dtype: self.dtype,
            _storage: self._storage.clone(),
        }
    }

    /// How a kernel binds it: the whole buffer for a tensor of its own (pooled buffers
    /// have exactly its size), else its byte range.
    pub(crate) fn binding(&self) -> wgpu::BindingResource<'_> {
        let whole = self.offset == 0 && self.buffer.size() == self.len().max(1) as u64 * 4;
        if whole {
            return self.buffer.as_entire_binding();
        }
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &self.buffer,
            offset: self.offset,
            size: wgpu::BufferSize::new(self.len().max(1) as u64 * 4),
        })
    }
}

impl std::fmt::Debug for GpuTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GpuTensor({:?}, {:?})", self.dtype, self.shape)
    }
}
