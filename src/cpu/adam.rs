//! CPU twin of `shaders/adam.wgsl`: Adam (Kingma & Ba 2015, Algorithm 1).

use super::Scalar;

/// Adam's hyper-parameters; `Default` is the paper's lr 1e-3, β1 0.9, β2 0.999, ε 1e-8.
/// (Keras uses ε 1e-7; set `eps` to match it exactly.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamParams {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
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

/// One Adam step t (t ≥ 1, already incremented) over param[n] with grad[n]; m[n], v[n]
/// are the moment estimates, updated in place.
pub fn adam_update<T: Scalar>(
    param: &mut [T],
    grad: &[T],
    m: &mut [T],
    v: &mut [T],
    t: u32,
    hp: &AdamParams,
) {
    assert!(t >= 1, "adam_update: step counts from 1");
    let n = param.len();
    assert!(
        grad.len() == n && m.len() == n && v.len() == n,
        "adam_update: lengths"
    );
    let (b1, b2) = (hp.beta1 as f64, hp.beta2 as f64);
    let bc1 = 1.0 - b1.powi(t as i32);
    let bc2 = 1.0 - b2.powi(t as i32);
    for i in 0..n {
        let g = grad[i].to_f64();
        let m1 = b1 * m[i].to_f64() + (1.0 - b1) * g;
        let v1 = b2 * v[i].to_f64() + (1.0 - b2) * g * g;
        m[i] = T::from_f64(m1);
        v[i] = T::from_f64(v1);
        let step = hp.lr as f64 * (m1 / bc1) / ((v1 / bc2).sqrt() + hp.eps as f64);
        param[i] = T::from_f64(param[i].to_f64() - step);
    }
}
