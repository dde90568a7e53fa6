//! CPU twin of `shaders/sgd.wgsl`: SGD with (optionally Nesterov) momentum, Keras's form.

use super::Scalar;
use crate::hyperparams::SgdParams;

/// velocity ← momentum·velocity − lr·g; param ← param + velocity
/// (Nesterov: param ← param + momentum·velocity − lr·g). All slices `[n]`.
pub fn sgd_update<T: Scalar>(param: &mut [T], grad: &[T], velocity: &mut [T], hp: &SgdParams) {
    let n = param.len();
    assert!(
        grad.len() == n && velocity.len() == n,
        "sgd_update: lengths"
    );
    let (lr, mu) = (hp.lr as f64, hp.momentum as f64);
    for i in 0..n {
        let g = grad[i].to_f64();
        let vel = mu * velocity[i].to_f64() - lr * g;
        velocity[i] = T::from_f64(vel);
        let p = param[i].to_f64();
        param[i] = T::from_f64(if hp.nesterov {
            p + mu * vel - lr * g
        } else {
            p + vel
        });
    }
}
