//! wgtrain: neural-network training on any GPU. Tensors live in GPU buffers; hand-written
//! WGSL kernels (in `shaders/`) are dispatched through wgpu; every kernel has a plain-Rust
//! CPU twin (in `cpu`) that is the source of truth and that the tests check the GPU against.
//!
//! - [`gpu`]: the runtime (adapter, buffer pool, kernel registry, command recorder).
//! - [`ops`]: one launcher per kernel, taking and returning [`gpu::GpuTensor`]s.
//! - [`cpu`]: the CPU twins, with the same names as the launchers.
//! - [`nn`]: Keras-style models (`Sequential`, layers, `fit`, checkpoints).
//! - [`data`]: MNIST, Fashion-MNIST and friends, image folders and CSV tables.
//! - [`prelude`]: the front door, `use wgtrain::prelude::*;` for all of the above a
//!   Keras-style program uses. Each item has one home (`nn`, `data` or the crate root).
//!
//! A model in Keras words — here a tiny regression, 2 inputs → Dense 4 ReLU → Dense 1, fitted
//! with Adam to y = 2·x₀ − x₁ + 0.5 on the CPU reference device (`DeviceKind::Gpu` runs the
//! same model on the GPU):
//!
//! ```
//! use wgtrain::prelude::*; // the front door: the Keras words, devices, data, errors
//!
//! fn main() -> wgtrain::Result<()> {
//!     let x: Vec<f32> = (0..128).map(|i| (i * 37 % 101) as f32 / 50.0 - 1.0).collect();
//!     let y: Vec<f32> = x.chunks(2).map(|r| 2.0 * r[0] - r[1] + 0.5).collect();
//!     let (x, y) = (Array::new(&[64, 2], x)?, Array::new(&[64, 1], y)?);
//!
//!     let mut model = Sequential::new(Device::new(DeviceKind::Cpu)?, &[2]).with_seed(1);
//!     model.add(Dense::new(4, Activation::Relu))?;
//!     model.add(Dense::new(1, Activation::Linear))?;
//!     model.compile(Optimizer::adam_lr(0.01), Loss::MeanSquaredError, &[])?;
//!     let options = FitOptions {
//!         epochs: 20,
//!         batch_size: 16,
//!         verbose: Verbose::Silent,
//!         ..Default::default()
//!     };
//!     let loss = model.fit(&x, &y, &options)?.loss(); // per epoch
//!     assert!(loss[19] < loss[0] / 2.0, "the loss went down: {loss:?}");
//!     let prediction = model.predict(&Array::new(&[1, 2], vec![0.5, -0.5])?)?;
//!     assert_eq!(prediction.shape, [1, 1]);
//!     Ok(())
//! }
//! ```
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

/// The README, whose ```rust blocks are compiled as doctests so they stay true (its other
/// blocks are marked `sh`, `json` or `text`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
