//! wgtrain: neural-network training on any GPU. Tensors live in GPU buffers; hand-written
//! WGSL kernels (in `shaders/`) are dispatched through wgpu; every kernel has a plain-Rust
//! CPU twin (in `cpu`) that is the source of truth and that the tests check the GPU against.
//!
//! - [`gpu`]: the runtime (adapter, buffer pool, kernel registry, command recorder).
//! - [`ops`]: one launcher per kernel, taking and returning [`gpu::GpuTensor`]s.
//! - [`cpu`]: the CPU twins, with the same names as the launchers.

pub mod cpu;
pub mod error;
pub mod geometry;
pub mod gpu;
pub mod ops;

pub use error::{Error, Result};
pub use gpu::{Gpu, GpuInfo, GpuOptions, GpuTensor};
