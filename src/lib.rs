//! wgtrain: neural-network training on any GPU. Tensors live in GPU buffers; hand-written
//! WGSL kernels (in `shaders/`) are dispatched through wgpu; every kernel has a plain-Rust
//! CPU twin (in `cpu`) that is the source of truth and that the tests check the GPU against.
//!
//! - [`gpu`]: the runtime (adapter, buffer pool, kernel registry, command recorder).
//! - [`ops`]: one launcher per kernel, taking and returning [`gpu::GpuTensor`]s.
//! - [`cpu`]: the CPU twins, with the same names as the launchers.
//! - [`nn`]: Keras-style models (`Sequential`, layers, `fit`, checkpoints).
//! - [`data`]: MNIST and image loading.
//!
//! The CPU twins need no GPU:
//!
//! ```
//! use wgtrain::cpu::{matmul, relu_forward};
//! use wgtrain::shape::Layout;
//! // [[1,2,3],[4,5,6]] · [[1,0],[0,1],[1,1]] + [0.5, -20] then ReLU
//! let c = matmul(&[1., 2., 3., 4., 5., 6.], &[1., 0., 0., 1., 1., 1.], Some(&[0.5, -20.]), 2, 2, 3, Layout::NN, true);
//! assert_eq!(c, vec![4.5, 0.0, 10.5, 0.0]);
//! assert_eq!(relu_forward(&[-1.0f32, 2.0]), vec![0.0, 2.0]);
//! ```

#![warn(missing_docs)]

mod array;
#[doc(hidden)]
pub mod atomic_file;
#[doc(hidden)]
pub mod bounded_file;
pub mod cpu;
pub mod data;
#[doc(hidden)]
pub mod echo;
mod error;
pub mod geometry;
pub mod gpu;
mod history;
mod hyperparams;
#[doc(hidden)]
pub mod memory;
pub mod nn;
pub mod ops;
#[doc(hidden)]
pub mod plot;
pub mod prelude;
pub mod shape;
#[doc(hidden)]
pub mod strict_json;
mod units;

pub use error::{Error, Result};
