//! CPU twin of `shaders/batch_norm.wgsl`: batch normalization over the last axis of
//! x[rows, c], as Keras's BatchNormalization. `stats` [2, c] holds each channel's batch
//! mean and 1/√(var + ε), var the biased (population) batch variance.

use super::Scalar;

/// Batch statistics and the moving averages' update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNormParams {
    /// Keras's `momentum` (0.99): moving ← moving·momentum + batch·(1 − momentum).
    pub momentum: f32,
    /// Keras's `epsilon` (1e-3), added to the variance.
    pub epsilon: f32,
}

/// `x[rows, c]` → `stats[2, c]` = (mean, 1/√(var + ε)); `moving_mean[c]`, `moving_var[c]` move
/// toward the batch's mean and variance.
pub fn batch_norm_statistics<T: Scalar>(
    x: &[T],
    c: usize,
    hp: &BatchNormParams,
    moving_mean: &mut [T],
    moving_var: &mut [T],
) -> Vec<T> {
    assert!(
        c > 0 && x.len().is_multiple_of(c),
        "batch_norm_statistics: x"
    );
    assert!(moving_mean.len() == c && moving_var.len() == c);
    let rows = x.len() / c;
    let m = hp.momentum as f64;
    let mut stats = vec![T::default(); 2 * c];
    for ch in 0..c {
        let mean = (0..rows).map(|r| x[r * c + ch].to_f64()).sum::<f64>() / rows as f64;
        let var = (0..rows)
            .map(|r| (x[r * c + ch].to_f64() - mean).powi(2))
            .sum::<f64>()
            / rows as f64;
        stats[ch] = T::from_f64(mean);
        stats[c + ch] = T::from_f64(1.0 / (var + hp.epsilon as f64).sqrt());
        moving_mean[ch] = T::from_f64(moving_mean[ch].to_f64() * m + mean * (1.0 - m));
        moving_var[ch] = T::from_f64(moving_var[ch].to_f64() * m + var * (1.0 - m));
    }
    stats
}

/// `x[rows, c]`, `stats[2, c]`, `gamma[c]`, `beta[c]` → `y[rows, c]` = γ·(x − mean)·inv_std + β
pub fn batch_norm_forward<T: Scalar>(x: &[T], stats: &[T], gamma: &[T], beta: &[T]) -> Vec<T> {
    let c = gamma.len();
    assert!(stats.len() == 2 * c && beta.len() == c && x.len().is_multiple_of(c));
    x.iter()
        .enumerate()
        .map(|(i, v)| {
            let ch = i % c;
            let xhat = (v.to_f64() - stats[ch].to_f64()) * stats[c + ch].to_f64();
            T::from_f64(gamma[ch].to_f64() * xhat + beta[ch].to_f64())
        })
        .collect()
}

/// `x[rows, c]` with the moving statistics `mean[c]`, `var[c]` → `y[rows, c]` (inference)
pub fn batch_norm_inference_forward<T: Scalar>(
    x: &[T],
    mean: &[T],
    var: &[T],
    gamma: &[T],
    beta: &[T],
    epsilon: f32,
) -> Vec<T> {
    let stats: Vec<T> = mean
        .iter()
        .copied()
        .chain(
            var.iter()
                .map(|v| T::from_f64(1.0 / (v.to_f64() + epsilon as f64).sqrt())),
        )
        .collect();
    batch_norm_forward(x, &stats, gamma, beta)
}

/// `x[rows, c]`, `dy[rows, c]`, `stats[2, c]`, `gamma[c]` → (`dx[rows, c]`, `dgamma[c]`, `dbeta[c]`),
/// the gradients of the training forward (batch statistics depend on x).
pub fn batch_norm_backward<T: Scalar>(
    x: &[T],
    dy: &[T],
    stats: &[T],
    gamma: &[T],
) -> (Vec<T>, Vec<T>, Vec<T>) {
    let c = gamma.len();
    assert!(stats.len() == 2 * c && x.len() == dy.len() && x.len().is_multiple_of(c));
    let rows = x.len() / c;
    let xhat = |i: usize| (x[i].to_f64() - stats[i % c].to_f64()) * stats[c + i % c].to_f64();
    let (mut dgamma, mut dbeta) = (vec![0f64; c], vec![0f64; c]);
    for i in 0..x.len() {
        dbeta[i % c] += dy[i].to_f64();
        dgamma[i % c] += dy[i].to_f64() * xhat(i);
    }
    let n = rows as f64;
    let dx = (0..x.len())
        .map(|i| {
            let ch = i % c;
            let scale = gamma[ch].to_f64() * stats[c + ch].to_f64() / n;
            T::from_f64(scale * (n * dy[i].to_f64() - dbeta[ch] - xhat(i) * dgamma[ch]))
        })
        .collect();
    let back = |v: Vec<f64>| v.into_iter().map(T::from_f64).collect();
    (dx, back(dgamma), back(dbeta))
}
