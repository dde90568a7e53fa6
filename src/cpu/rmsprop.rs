//! CPU twin of `shaders/rmsprop.wgsl`: RMSprop as Keras 3 defines it (not centered).

use super::Scalar;
use crate::hyperparams::RmsPropParams;

/// One step over `param[n]` with `grad[n]`; `velocity[n]` and `momentum[n]` updated in place
/// (momentum only used when hp.momentum > 0)
pub fn rmsprop_update<T: Scalar>(
    param: &mut [T],
    grad: &[T],
    velocity: &mut [T],
    momentum: &mut [T],
    hp: &RmsPropParams,
) {
    let n = param.len();
    assert!(
        grad.len() == n && velocity.len() == n && momentum.len() == n,
        "rmsprop_update: lengths"
    );
    let (lr, rho, mu, eps) = (
        hp.lr as f64,
        hp.rho as f64,
        hp.momentum as f64,
        hp.eps as f64,
    );
    for i in 0..n {
        let g = grad[i].to_f64();
        let v = rho * velocity[i].to_f64() + (1.0 - rho) * g * g;
        velocity[i] = T::from_f64(v);
        let increment = lr * g / (v + eps).sqrt();
        let step = if mu > 0.0 {
            let m = mu * momentum[i].to_f64() + increment;
            momentum[i] = T::from_f64(m);
            m
        } else {
            increment
        };
        param[i] = T::from_f64(param[i].to_f64() - step);
    }
}
