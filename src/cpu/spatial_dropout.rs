//! CPU twin of `shaders/spatial_dropout.wgsl`: whole channels of each sample dropped, the
//! mask drawn with dropout's PCG hash, so the same mask bit for bit.

use super::dropout::pcg;
use super::Scalar;

/// The mask `[n, c]` at counter value `step`: (s, ch) keeps its channel (factor
/// 1 / (1 − rate)) when the uniform draw for index s·c + ch is ≥ rate, as `dropout_forward`
/// draws element s·c + ch.
pub fn spatial_dropout_mask<T: Scalar>(
    n: usize,
    c: usize,
    step: u32,
    rate: f32,
    seed: u32,
) -> Vec<T> {
    let scale = 1.0f32 / (1.0 - rate);
    let base = pcg(seed ^ pcg(step));
    (0..n * c)
        .map(|j| {
            let u = (pcg(base ^ j as u32) >> 8) as f32 * (1.0 / 16777216.0);
            T::from_f64(if u >= rate { scale as f64 } else { 0.0 })
        })
        .collect()
}

/// `x[n, hw, c]` → (`y` as x, `mask[n, c]`): y = x · mask[s, ch].
pub fn spatial_dropout_forward<T: Scalar>(
    x: &[T],
    (n, hw, c): (usize, usize, usize),
    step: u32,
    rate: f32,
    seed: u32,
) -> (Vec<T>, Vec<T>) {
    let mask = spatial_dropout_mask(n, c, step, rate, seed);
    (spatial_dropout_backward(x, &mask, (n, hw, c)), mask)
}

/// `dy[n, hw, c]`, `mask[n, c]` → `dx[n, hw, c]` = dy · mask[s, ch].
pub fn spatial_dropout_backward<T: Scalar>(
    dy: &[T],
    mask: &[T],
    (n, hw, c): (usize, usize, usize),
) -> Vec<T> {
    assert!(
        dy.len() == n * hw * c && mask.len() == n * c,
        "spatial_dropout: shapes"
    );
    dy.iter()
        .enumerate()
        .map(|(i, d)| T::from_f64(d.to_f64() * mask[(i / (hw * c)) * c + i % c].to_f64()))
        .collect()
}
