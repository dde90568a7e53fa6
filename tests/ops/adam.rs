//! Adam (`shaders/adam.wgsl`): the step state (t and the exact bias corrections 1 − β^t,
//! `adam_step`) and the update, against the CPU twin (f64) over several steps.

use crate::prelude::*;

/// Steps (and β) where the corrections are hardest: t = 1 (1 − β^t cancels most), small
/// odd t, powers of two and their neighbours, large t (β^t underflows to 0 for small β),
/// the last u32.
const STEPS: [u32; 12] = [
    1,
    2,
    3,
    7,
    33,
    257,
    1000,
    65_535,
    65_536,
    1_000_003,
    1 << 31,
    u32::MAX,
];
const BETAS: [f32; 8] = [0.9, 0.999, 0.99, 0.5, 0.0, 0.9999, 0.999_999, 1e-3];
/// Where ε sits: each update test runs both.
const FORMS: [EpsilonForm; 2] = [EpsilonForm::Keras, EpsilonForm::Paper];

/// The GPU's step state equals the twin's bit for bit, for every β and t above.
#[test]
fn adam_step_matches_twin_bit_for_bit() {
    let Some(g) = gpu() else { return };
    for pair in BETAS.chunks(2) {
        let hp = AdamParams {
            beta1: pair[0],
            beta2: pair[1],
            ..Default::default()
        };
        for &t in &STEPS {
            let state = g.upload_u32(&[3], &[t - 1, 7, 7]).unwrap();
            ops::adam_step(g, &state, &hp).unwrap();
            let want = cpu::adam_state(t, &hp);
            let got = g.download_u32(&state).unwrap();
            assert_eq!(
                got,
                want.to_vec(),
                "adam_step at t {t}, β1 {}, β2 {}: GPU {:?} vs twin {:?} (as f32: {} {} vs {} {})",
                hp.beta1,
                hp.beta2,
                got,
                want,
                f32::from_bits(got[1]),
                f32::from_bits(got[2]),
                f32::from_bits(want[1]),
                f32::from_bits(want[2]),
            );
        }
    }
}

/// The twin's 1 − β^t is the f32 nearest the exact value (within one rounding: half an
/// ulp, plus the fixed point's 64·2^−64), against −expm1(t·ln β) in f64.
#[test]
fn bias_correction_is_exact_to_one_rounding() {
    for &beta in &BETAS {
        for &t in &STEPS {
            let got = cpu::bias_correction(beta, t) as f64;
            let exact = if beta == 0.0 {
                1.0
            } else {
                -(t as f64 * (beta as f64).ln()).exp_m1()
            };
            let ulp = f32::EPSILON as f64 * exact;
            assert!(
                (got - exact).abs() <= 0.5 * ulp + 1e-15,
                "1 − {beta}^{t}: {got:e} vs exact {exact:e} (|Δ| {:e}, half an ulp {:e})",
                (got - exact).abs(),
                0.5 * ulp
            );
        }
    }
    assert_eq!(
        cpu::bias_correction(0.9, 0),
        0.0,
        "t = 0: nothing to correct yet"
    );
}

/// Parameters at 0 move by exactly the update, so its relative error shows in full:
/// gradients from 1e-8 to 1e2 (both signs), at steps 1, 2, 3 and after 999 and 65,535
/// steps of history (m, v given), on the GPU against the twin's f64 update, for both ε
/// forms. The old kernel's `1.0 − pow(β2, t)` in f32 was ~6e-5 off at t = 1; this allows
/// 2e-6.
#[test]
fn adam_update_is_exact_against_f64_for_tiny_and_huge_gradients() {
    let Some(g) = gpu() else { return };
    for form in FORMS {
        adam_update_against_f64(g, form);
    }
}

fn adam_update_against_f64(g: &wgtrain::gpu::Gpu, form: EpsilonForm) {
    let n = 4099;
    let hp = AdamParams {
        lr: 1e-3,
        eps: 1e-7,
        epsilon_form: form,
        ..Default::default()
    };
    let u = randn(11, n, 1.0);
    let grads: Vec<f32> = u
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            let decade = -8.0 + 10.0 * (i as f32 / (n - 1) as f32);
            r.signum() * 10f32.powf(decade)
        })
        .collect();
    for start in [0u32, 999, 65_535] {
        let mut p = vec![0.0f32; n];
        // With history, the moments are of the gradients' size (v ≈ g²).
        let (mut m, mut v): (Vec<f32>, Vec<f32>) = if start == 0 {
            (vec![0.0; n], vec![0.0; n])
        } else {
            let r = randn(start as u64, n, 1.0);
            let m = grads
                .iter()
                .zip(&r)
                .map(|(g, r)| g * (0.5 + 0.1 * r))
                .collect();
            let v = grads.iter().map(|g| g * g * 0.8).collect();
            (m, v)
        };
        let gp = g.upload(&[n], &p).unwrap();
        let gm = g.upload(&[n], &m).unwrap();
        let gv = g.upload(&[n], &v).unwrap();
        let gg = g.upload(&[n], &grads).unwrap();
        let state = g.upload_u32(&[3], &cpu::adam_state(start, &hp)).unwrap();
        let lr = g.upload(&[1], &[hp.lr]).unwrap();
        for t in start + 1..=start + 3 {
            ops::adam_step(g, &state, &hp).unwrap();
            ops::adam_update(g, &gp, &gg, [&gm, &gv], [&state, &lr], &hp).unwrap();
            cpu::adam_update(&mut p, &grads, &mut m, &mut v, t, &hp);
            let what = format!("adam ({form:?}) param at t {t} (history from {start})");
            assert_close(&what, &g.download(&gp).unwrap(), &p, 1e-30, 2e-6);
        }
        assert_close("adam m", &g.download(&gm).unwrap(), &m, 1e-30, 1e-6);
        assert_close("adam v", &g.download(&gv).unwrap(), &v, 1e-30, 1e-6);
    }
}

/// Several Adam steps on the GPU (step state on the GPU) equal the CPU twin's, for both
/// ε forms.
#[test]
fn adam_matches_cpu_over_steps() {
    let Some(g) = gpu() else { return };
    for (&n, form) in SIZES
        .iter()
        .chain(&[70_001])
        .flat_map(|n| FORMS.map(|f| (n, f)))
    {
        let hp = AdamParams {
            lr: 0.01,
            epsilon_form: form,
            ..Default::default()
        };
        let mut p = randn(n as u64, n, 5.0);
        let mut m = vec![0.0; n];
        let mut v = vec![0.0; n];
        let gp = g.upload(&[n], &p).unwrap();
        let gm = g.zeros(&[n]).unwrap();
        let gv = g.zeros(&[n]).unwrap();
        let state = g.upload_u32(&[3], &[0; 3]).unwrap();
        // The kernel reads its rate from this tensor (hp.lr is the twin's).
        let lr = g.upload(&[1], &[hp.lr]).unwrap();
        let mut grads = Vec::new();
        for t in 1..=5u32 {
            let grad = randn(n as u64 * 31 + t as u64, n, 50.0);
            let gg = g.upload(&[n], &grad).unwrap();
            ops::adam_step(g, &state, &hp).unwrap();
            ops::adam_update(g, &gp, &gg, [&gm, &gv], [&state, &lr], &hp).unwrap();
            cpu::adam_update(&mut p, &grad, &mut m, &mut v, t, &hp);
            grads.push(gg);
        }
        assert_eq!(g.download_u32(&state).unwrap()[0], 5);
        // Each step moves a parameter by about lr, with a few f32 roundings (no pow).
        let atol = 2e-6 * hp.lr * 5.0;
        assert_close(
            &format!("adam ({form:?}) param n {n}"),
            &g.download(&gp).unwrap(),
            &p,
            atol,
            1e-6,
        );
        assert_close("adam m", &g.download(&gm).unwrap(), &m, 1e-6, 1e-5);
        assert_close("adam v", &g.download(&gv).unwrap(), &v, 1e-6, 1e-5);
    }
}
