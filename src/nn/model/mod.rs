//! The model: `Sequential` (building, `compile`, the `fit` loop, `evaluate`, `predict`,
//! `summary`), the `Layer` trait and the layers, the model description (`ModelSpec`), weight
//! initialisation, the seed models and the memory check. It uses `training` (optimizer,
//! loss, callbacks) and `device`; `formats` uses it, never the reverse.

pub(crate) mod budget;
pub(crate) mod fusion;
pub(crate) mod init;
pub(crate) mod layer;
pub mod layers;
pub mod models;
pub(crate) mod sequential;
pub(crate) mod spec;
pub(crate) mod spec_types;
