//! `Tensor`: a model's tensor on either device — a `GpuTensor` view, or a host vector for
//! the CPU reference device. Clones are cheap on both (shared storage). The accessors
//! return `Error::WrongTensor` when a tensor of one device reaches the other.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::gpu::GpuTensor;

/// A tensor of the device a model was built on.
#[derive(Clone, Debug)]
pub enum Tensor {
    /// A tensor on the GPU device.
    Gpu(GpuTensor),
    /// f32 data on the CPU device.
    Cpu {
        /// The values, row-major.
        data: Arc<Vec<f32>>,
        /// The dimensions.
        shape: Vec<usize>,
    },
    /// u32 data on the CPU device (max-pool argmax, step counters).
    CpuIndex {
        /// The values, row-major.
        data: Arc<Vec<u32>>,
        /// The dimensions.
        shape: Vec<usize>,
    },
}

impl Tensor {
    /// A CPU f32 tensor.
    pub fn cpu(shape: &[usize], data: Vec<f32>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Tensor::Cpu {
            data: Arc::new(data),
            shape: shape.to_vec(),
        }
    }

    /// A CPU u32 tensor.
    pub fn cpu_u32(shape: &[usize], data: Vec<u32>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Tensor::CpuIndex {
            data: Arc::new(data),
            shape: shape.to_vec(),
        }
    }

    /// The shape, outermost first.
    pub fn shape(&self) -> &[usize] {
        match self {
            Tensor::Gpu(t) => t.shape(),
            Tensor::Cpu { shape, .. } | Tensor::CpuIndex { shape, .. } => shape,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// True when the tensor holds no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A view with another shape of the same size. Panics on a size mismatch: layers
    /// check shapes when they are added, so a mismatch here is a bug.
    pub fn reshape(&self, shape: &[usize]) -> Tensor {
        assert_eq!(
            shape.iter().product::<usize>(),
            self.len(),
            "reshape {:?} → {shape:?}",
            self.shape()
        );
        match self {
            Tensor::Gpu(t) => Tensor::Gpu(t.clone().reshaped(shape).expect("same size")),
            Tensor::Cpu { data, .. } => Tensor::Cpu {
                data: data.clone(),
                shape: shape.to_vec(),
            },
            Tensor::CpuIndex { data, .. } => Tensor::CpuIndex {
                data: data.clone(),
                shape: shape.to_vec(),
            },
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Tensor::Gpu(_) => "a GPU tensor",
            Tensor::Cpu { .. } => "a CPU f32 tensor",
            Tensor::CpuIndex { .. } => "a CPU u32 tensor",
        }
    }

    fn wrong<T>(&self, op: &'static str, expected: &'static str) -> Result<T> {
        Err(Error::WrongTensor {
            op,
            expected,
            found: self.kind(),
        })
    }

    /// The GPU tensor inside, for op `op`.
    pub(crate) fn gpu_tensor(&self, op: &'static str) -> Result<&GpuTensor> {
        match self {
            Tensor::Gpu(t) => Ok(t),
            _ => self.wrong(op, "a GPU tensor"),
        }
    }

    /// The host f32 values inside, for op `op`.
    pub(crate) fn host_f32(&self, op: &'static str) -> Result<&[f32]> {
        match self {
            Tensor::Cpu { data, .. } => Ok(data),
            _ => self.wrong(op, "a CPU f32 tensor"),
        }
    }

    /// The host f32 values, writable (copied first if shared).
    pub(crate) fn host_f32_mut(&mut self, op: &'static str) -> Result<&mut Vec<f32>> {
        match self {
            Tensor::Cpu { data, .. } => Ok(Arc::make_mut(data)),
            _ => self.wrong(op, "a CPU f32 tensor"),
        }
    }

    /// The host u32 values inside (indices, counters).
    pub(crate) fn host_u32(&self, op: &'static str) -> Result<&[u32]> {
        match self {
            Tensor::CpuIndex { data, .. } => Ok(data),
            _ => self.wrong(op, "a CPU u32 tensor"),
        }
    }

    /// The host u32 values, writable (copied first if shared).
    pub(crate) fn host_u32_mut(&mut self, op: &'static str) -> Result<&mut Vec<u32>> {
        match self {
            Tensor::CpuIndex { data, .. } => Ok(Arc::make_mut(data)),
            _ => self.wrong(op, "a CPU u32 tensor"),
        }
    }
}
