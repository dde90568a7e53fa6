//! CPU twin of `shaders/adam.wgsl`: Adam (Kingma & Ba 2015, Algorithm 1) with ε where
//! Keras puts it or where the paper does (`EpsilonForm`), and the optimizer state's step
//! (`adam_step`: t and the exact bias corrections 1 − β^t).

use super::Scalar;
use crate::hyperparams::{AdamParams, EpsilonForm};

/// One Adam step t (t ≥ 1, already incremented) over `param[n]` with `grad[n]`; `m[n]`, `v[n]`
/// are the moment estimates, updated in place. With c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ:
/// Keras's form `θ −= (lr·√c2 / c1)·m / (√v + ε)`, the paper's `θ −= lr·(m / c1) /
/// (√(v / c2) + ε)`.
pub fn adam_update<T: Scalar>(
    param: &mut [T],
    grad: &[T],
    m: &mut [T],
    v: &mut [T],
    t: u32,
    hp: &AdamParams,
) {
    assert!(t >= 1, "adam_update: step counts from 1");
    let n = param.len();
    assert!(
        grad.len() == n && m.len() == n && v.len() == n,
        "adam_update: lengths"
    );
    let (b1, b2) = (hp.beta1 as f64, hp.beta2 as f64);
    let bc1 = 1.0 - b1.powi(t as i32);
    let bc2 = 1.0 - b2.powi(t as i32);
    let (lr, eps) = (hp.lr as f64, hp.eps as f64);
    let lr_t = lr * bc2.sqrt() / bc1;
    for i in 0..n {
        let g = grad[i].to_f64();
        let m1 = b1 * m[i].to_f64() + (1.0 - b1) * g;
        let v1 = b2 * v[i].to_f64() + (1.0 - b2) * g * g;
        m[i] = T::from_f64(m1);
        v[i] = T::from_f64(v1);
        let step = match hp.epsilon_form {
            EpsilonForm::Keras => lr_t * m1 / (v1.sqrt() + eps),
            EpsilonForm::Paper => lr * (m1 / bc1) / ((v1 / bc2).sqrt() + eps),
        };
        param[i] = T::from_f64(param[i].to_f64() - step);
    }
}

/// Words of Adam's step state on a device: t, then the bits of 1 − β1^t and 1 − β2^t.
pub const ADAM_STATE_LEN: usize = 3;

/// β as a 64-bit fixed-point fraction, β·2^64 (exact for every f32 β ≥ 2^−40; larger
/// than 1 − 2^−64 saturates): what `adam_step` takes its powers of.
pub fn beta_fixed(beta: f32) -> u64 {
    (beta as f64 * 18_446_744_073_709_551_616.0) as u64
}

/// x·y / 2^64, truncated: the product of two 64-bit fixed-point fractions.
fn mul_fixed(x: u64, y: u64) -> u64 {
    ((x as u128 * y as u128) >> 64) as u64
}

/// 1 − β^t for t ≥ 1 (0 for t = 0) as the f32 nearest to the 64-bit fixed-point result,
/// bit for bit as `adam_step` in shaders/adam.wgsl computes it: β^t by square-and-multiply
/// with each product truncated (error ≤ 64·2^−64), subtracted from one exactly.
pub fn bias_correction(beta: f32, t: u32) -> f32 {
    let mut base = beta_fixed(beta);
    let mut acc: Option<u64> = None;
    let mut e = t;
    while e != 0 {
        if e & 1 == 1 {
            acc = Some(acc.map_or(base, |a| mul_fixed(a, base)));
        }
        e >>= 1;
        if e != 0 {
            base = mul_fixed(base, base);
        }
    }
    match acc {
        None => 0.0,
        Some(0) => 1.0,
        // 2^64 − a, rounded to the nearest f32 (`as` rounds to nearest, ties to even),
        // then scaled by 2^−64 (exact).
        Some(a) => a.wrapping_neg() as f32 * (-64f32).exp2(),
    }
}

/// Advance Adam's step state (state: [ADAM_STATE_LEN]): t += 1 and the bias corrections
/// for the new t.
pub fn adam_step(state: &mut [u32], hp: &AdamParams) {
    assert_eq!(state.len(), ADAM_STATE_LEN, "adam_step: state length");
    let t = state[0] + 1;
    state.copy_from_slice(&adam_state(t, hp));
}

/// Adam's step state at step t: [t, bits of 1 − β1^t, bits of 1 − β2^t] (what a
/// checkpoint's step restores).
pub fn adam_state(t: u32, hp: &AdamParams) -> [u32; ADAM_STATE_LEN] {
    [
        t,
        bias_correction(hp.beta1, t).to_bits(),
        bias_correction(hp.beta2, t).to_bits(),
    ]
}
