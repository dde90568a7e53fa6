//! CPU twin of `shaders/layer_norm.wgsl`: layer normalization over the last axis of
//! x[rows, c], as Keras's LayerNormalization (axis −1). `stats` [rows, 2] holds each row's
//! mean and 1/√(var + ε), var the biased variance of the row.

use super::Scalar;

/// `x[rows, c]`, `gamma[c]`, `beta[c]` → (`y[rows, c]` = γ·(x − mean)·inv_std + β,
/// `stats[rows, 2]` = (mean, inv_std) of each row).
pub fn layer_norm_forward<T: Scalar>(
    x: &[T],
    gamma: &[T],
    beta: &[T],
    epsilon: f32,
) -> (Vec<T>, Vec<T>) {
    let c = gamma.len();
    assert!(
        c > 0 && beta.len() == c && x.len().is_multiple_of(c),
        "layer_norm_forward: shapes"
    );
    let rows = x.len() / c;
    let mut y = vec![T::default(); x.len()];
    let mut stats = vec![T::default(); 2 * rows];
    for r in 0..rows {
        let row = &x[r * c..(r + 1) * c];
        let mean = row.iter().map(|v| v.to_f64()).sum::<f64>() / c as f64;
        let var = row.iter().map(|v| (v.to_f64() - mean).powi(2)).sum::<f64>() / c as f64;
        let inv = 1.0 / (var + epsilon as f64).sqrt();
        for j in 0..c {
            let xhat = (row[j].to_f64() - mean) * inv;
            y[r * c + j] = T::from_f64(gamma[j].to_f64() * xhat + beta[j].to_f64());
        }
        stats[2 * r] = T::from_f64(mean);
        stats[2 * r + 1] = T::from_f64(inv);
    }
    (y, stats)
}

/// `x[rows, c]`, `dy[rows, c]`, `stats[rows, 2]`, `gamma[c]` → (`dx[rows, c]`, `dgamma[c]`,
/// `dbeta[c]`): with g = dy·γ and x̂ = (x − mean)·inv_std,
/// dx = inv_std · (g − mean(g) − x̂·mean(g·x̂)), dγ = Σ_rows dy·x̂, dβ = Σ_rows dy.
pub fn layer_norm_backward<T: Scalar>(
    x: &[T],
    dy: &[T],
    stats: &[T],
    gamma: &[T],
) -> (Vec<T>, Vec<T>, Vec<T>) {
    let c = gamma.len();
    assert!(
        c > 0 && x.len() == dy.len() && x.len().is_multiple_of(c),
        "layer_norm_backward"
    );
    let rows = x.len() / c;
    assert_eq!(stats.len(), 2 * rows, "layer_norm_backward: stats");
    let mut dx = vec![T::default(); x.len()];
    let (mut dgamma, mut dbeta) = (vec![0.0f64; c], vec![0.0f64; c]);
    for r in 0..rows {
        let (mean, inv) = (stats[2 * r].to_f64(), stats[2 * r + 1].to_f64());
        let xhat = |j: usize| (x[r * c + j].to_f64() - mean) * inv;
        let g = |j: usize| dy[r * c + j].to_f64() * gamma[j].to_f64();
        let mean_g = (0..c).map(g).sum::<f64>() / c as f64;
        let mean_gx = (0..c).map(|j| g(j) * xhat(j)).sum::<f64>() / c as f64;
        for j in 0..c {
            dx[r * c + j] = T::from_f64(inv * (g(j) - mean_g - xhat(j) * mean_gx));
            dgamma[j] += dy[r * c + j].to_f64() * xhat(j);
            dbeta[j] += dy[r * c + j].to_f64();
        }
    }
    let out = |v: Vec<f64>| v.into_iter().map(T::from_f64).collect();
    (dx, out(dgamma), out(dbeta))
}
