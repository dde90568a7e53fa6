//! [`AdamParams`], Adam's hyper-parameters: plain data that the optimizer carries and both
//! the Adam kernel's launcher and its CPU twin read.

/// Adam's hyper-parameters; `Default` is the paper's lr 1e-3, β1 0.9, β2 0.999, ε 1e-8.
/// (Keras uses ε 1e-7; set `eps` to match it exactly.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamParams {
    /// Learning rate.
    pub lr: f32,
    /// Decay rate of the first-moment (mean) estimate, β1.
    pub beta1: f32,
    /// Decay rate of the second-moment (uncentred variance) estimate, β2.
    pub beta2: f32,
    /// ε added to the denominator for numerical stability.
    pub eps: f32,
}

impl Default for AdamParams {
    fn default() -> Self {
        AdamParams {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}
