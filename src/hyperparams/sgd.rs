//! [`SgdParams`], SGD's hyper-parameters (learning rate, momentum, Nesterov): plain data
//! that the optimizer carries and both the SGD kernel's launcher and its CPU twin read.

/// SGD hyper-parameters (Keras defaults: lr 0.01, no momentum).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdParams {
    /// Learning rate.
    pub lr: f32,
    /// Momentum factor (0: plain SGD).
    pub momentum: f32,
    /// Use Nesterov momentum.
    pub nesterov: bool,
}

impl Default for SgdParams {
    fn default() -> Self {
        SgdParams {
            lr: 0.01,
            momentum: 0.0,
            nesterov: false,
        }
    }
}
