//! [`AdamParams`], Adam's hyper-parameters, and [`EpsilonForm`], where its ε sits: plain
//! data that the optimizer carries and both the Adam kernel's launcher and its CPU twin
//! read.

use serde::{Deserialize, Serialize};

/// Where Adam's ε enters the update. Both forms compute the same moments m, v and the same
/// exact bias corrections c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ; they differ by a factor √c2 on ε
/// (the Keras form's ε is the paper form's ε·√c2), which matters when |g| is near ε.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EpsilonForm {
    /// Keras's (and TensorFlow's) form: `lr_t = lr·√c2 / c1`, `θ −= lr_t·m / (√v + ε)`.
    #[default]
    Keras,
    /// The paper's (Kingma & Ba, Algorithm 1; PyTorch's) form:
    /// `θ −= lr·(m / c1) / (√(v / c2) + ε)`.
    Paper,
}

impl EpsilonForm {
    /// The name the CLI and checkpoints use: `keras` or `paper`.
    pub fn name(self) -> &'static str {
        match self {
            EpsilonForm::Keras => "keras",
            EpsilonForm::Paper => "paper",
        }
    }
}

/// Adam's hyper-parameters; `Default` is Keras's: lr 1e-3, β1 0.9, β2 0.999, ε 1e-7, ε in
/// Keras's place ([`EpsilonForm::Keras`]). The paper's (and PyTorch's) Adam is
/// `eps: 1e-8, epsilon_form: EpsilonForm::Paper`.
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
    /// Where ε is added: to √v (Keras) or to the bias-corrected √v̂ (the paper).
    pub epsilon_form: EpsilonForm,
}

impl Default for AdamParams {
    fn default() -> Self {
        AdamParams {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-7,
            epsilon_form: EpsilonForm::Keras,
        }
    }
}
