//! Keras's default initialisers: Glorot-uniform for kernels, zeros for biases.

use rand::rngs::StdRng;
use rand::Rng;

/// Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fan_in + fan_out)), n values.
pub fn glorot_uniform(rng: &mut StdRng, n: usize, fan_in: usize, fan_out: usize) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
    (0..n).map(|_| rng.random_range(-limit..limit)).collect()
}
