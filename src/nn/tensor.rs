//! `Tensor`: a model's tensor on either backend — a `GpuTensor` view, or a host vector for
//! the CPU reference backend. Clones are cheap on both (shared storage).

use std::sync::Arc;

use crate::gpu::GpuTensor;

/// A tensor of the backend a model was built on.
#[derive(Clone, Debug)]
pub enum Tensor {
    Gpu(GpuTensor),
    Cpu {
        data: Arc<Vec<f32>>,
        shape: Vec<usize>,
    },
    /// u32 data on the CPU backend (max-pool argmax, step counters).
    CpuIndex {
        data: Arc<Vec<u32>>,
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

    /// The GPU tensor inside; panics on a CPU tensor (mixing backends is a bug).
    pub(crate) fn g(&self) -> &GpuTensor {
        match self {
            Tensor::Gpu(t) => t,
            _ => panic!("expected a GPU tensor, found a CPU one"),
        }
    }

    /// The CPU f32 data inside; panics on another kind.
    pub(crate) fn c(&self) -> &[f32] {
        match self {
            Tensor::Cpu { data, .. } => data,
            _ => panic!("expected a CPU f32 tensor"),
        }
    }

    /// Mutable CPU f32 data (copied first if shared).
    pub(crate) fn c_mut(&mut self) -> &mut Vec<f32> {
        match self {
            Tensor::Cpu { data, .. } => Arc::make_mut(data),
            _ => panic!("expected a CPU f32 tensor"),
        }
    }

    /// The CPU u32 data inside; panics on another kind.
    pub(crate) fn ci(&self) -> &[u32] {
        match self {
            Tensor::CpuIndex { data, .. } => data,
            _ => panic!("expected a CPU u32 tensor"),
        }
    }
}
