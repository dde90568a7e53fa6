//! CPU twin of `shaders/weight_decay.wgsl`: decoupled weight decay (AdamW).

use super::Scalar;

/// `param[n]` ← `param[n]` − `param[n]`·wd·lr
pub fn weight_decay_update<T: Scalar>(param: &mut [T], wd: f32, lr: f32) {
    for v in param.iter_mut() {
        let x = v.to_f64();
        *v = T::from_f64(x - x * wd as f64 * lr as f64);
    }
}
