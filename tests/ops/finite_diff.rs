//! Central finite differences in f64, for checking each CPU twin's backward.
//! For an op y = f(x) and a random upstream gradient w, the scalar L(x) = Σ w ⊙ f(x) has
//! dL/dx = backward(x, w); each partial is checked against (L(x+h) − L(x−h)) / 2h.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const H: f64 = 1e-6;

pub fn rand64(seed: u64, n: usize) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Compare `analytic` with central differences of `loss` around `x`.
#[track_caller]
pub fn check(what: &str, x: &[f64], analytic: &[f64], loss: impl Fn(&[f64]) -> f64) {
    assert_eq!(x.len(), analytic.len(), "{what}: gradient length");
    let mut xp = x.to_vec();
    let mut worst = (0.0f64, 0usize);
    for i in 0..x.len() {
        xp[i] = x[i] + H;
        let up = loss(&xp);
        xp[i] = x[i] - H;
        let down = loss(&xp);
        xp[i] = x[i];
        let numeric = (up - down) / (2.0 * H);
        let err = (numeric - analytic[i]).abs();
        let tol = 1e-6 + 1e-5 * numeric.abs();
        assert!(
            err <= tol,
            "{what}: index {i}: analytic {} numeric {numeric} |diff| {err:e} > {tol:e}",
            analytic[i]
        );
        if err > worst.0 {
            worst = (err, i);
        }
    }
    eprintln!(
        "{what}: max |analytic − numeric| {:e} at {}",
        worst.0, worst.1
    );
}
