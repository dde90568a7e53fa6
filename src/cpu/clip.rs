//! CPU twin of `shaders/clip.wgsl`: Keras's gradient clipping (clipvalue, clipnorm).

use super::Scalar;

/// `g[n]` ← clamp(`g[n]`, −c, c)
pub fn clip_value_update<T: Scalar>(grad: &mut [T], c: f32) {
    let c = c as f64;
    for g in grad.iter_mut() {
        *g = T::from_f64(g.to_f64().clamp(-c, c));
    }
}

/// `g[n]` ← `g[n]`·c / max(‖g‖₂, c)
pub fn clip_norm_update<T: Scalar>(grad: &mut [T], c: f32) {
    let c = c as f64;
    let norm = grad
        .iter()
        .map(|g| g.to_f64() * g.to_f64())
        .sum::<f64>()
        .sqrt();
    let denom = norm.max(c);
    for g in grad.iter_mut() {
        *g = T::from_f64(g.to_f64() * c / denom);
    }
}
