//! [`RmsPropParams`], RMSprop's hyper-parameters: plain data that the optimizer carries and
//! both the RMSprop kernel's launcher and its CPU twin read.

/// RMSprop's hyper-parameters; `Default` is Keras's: lr 1e-3, ρ 0.9, momentum 0, ε 1e-7.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsPropParams {
    /// Learning rate.
    pub lr: f32,
    /// Decay rate of the moving mean of squared gradients, ρ.
    pub rho: f32,
    /// Momentum factor (0: none).
    pub momentum: f32,
    /// ε added to the denominator for numerical stability.
    pub eps: f32,
}

impl Default for RmsPropParams {
    fn default() -> Self {
        RmsPropParams {
            lr: 1e-3,
            rho: 0.9,
            momentum: 0.0,
            eps: 1e-7,
        }
    }
}
