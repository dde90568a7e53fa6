//! CPU twin of `shaders/dropout.wgsl`: the same PCG hash, so the same mask bit for bit.

use super::Scalar;

/// The shader's PCG hash (u32 arithmetic wraps, as in WGSL).
pub fn pcg(v: u32) -> u32 {
    let s = v.wrapping_mul(747796405).wrapping_add(2891336453);
    let w = ((s >> ((s >> 28) + 4)) ^ s).wrapping_mul(277803737);
    (w >> 22) ^ w
}

/// `x[n]` → (`y[n]`, `mask[n]`) at counter value `step`: element i is kept when its uniform
/// draw u ∈ [0, 1) is ≥ rate, and then scaled by 1 / (1 − rate).
pub fn dropout_forward<T: Scalar>(x: &[T], step: u32, rate: f32, seed: u32) -> (Vec<T>, Vec<T>) {
    let scale = 1.0f32 / (1.0 - rate);
    let base = pcg(seed ^ pcg(step));
    let mask: Vec<T> = (0..x.len())
        .map(|i| {
            let h = pcg(base ^ i as u32);
            let u = (h >> 8) as f32 * (1.0 / 16777216.0);
            T::from_f64(if u >= rate { scale as f64 } else { 0.0 })
        })
        .collect();
    let y = x
        .iter()
        .zip(&mask)
        .map(|(v, m)| T::from_f64(v.to_f64() * m.to_f64()))
        .collect();
    (y, mask)
}

/// `dy[n]`, `mask[n]` → `dx[n]` = dy · mask.
pub fn dropout_backward<T: Scalar>(dy: &[T], mask: &[T]) -> Vec<T> {
    assert_eq!(dy.len(), mask.len(), "dropout_backward: lengths");
    dy.iter()
        .zip(mask)
        .map(|(d, m)| T::from_f64(d.to_f64() * m.to_f64()))
        .collect()
}
