//! RMSprop (`shaders/rmsprop.wgsl`) and AdamW's decoupled weight decay
//! (`shaders/weight_decay.wgsl`): GPU against the twins over several steps, and the twins
//! against Keras's formulas written out independently.

use crate::prelude::*;
use wgtrain::nn::RmsPropParams;

#[test]
fn rmsprop_matches_cpu_over_steps() {
    let Some(g) = gpu() else { return };
    for momentum in [0.0, 0.9] {
        for &n in SIZES.iter().chain(&[70_001]) {
            let hp = RmsPropParams {
                lr: 0.01,
                momentum,
                ..Default::default()
            };
            let mut p = randn(n as u64 + 3, n, 5.0);
            let (mut v, mut m) = (vec![0.0; n], vec![0.0; n]);
            let gp = g.upload(&[n], &p).unwrap();
            let (gv, gm) = (g.zeros(&[n]).unwrap(), g.zeros(&[n]).unwrap());
            let lr = g.upload(&[1], &[hp.lr]).unwrap();
            for t in 1..=5u64 {
                let grad = randn(n as u64 * 17 + t, n, 50.0);
                let gg = g.upload(&[n], &grad).unwrap();
                ops::rmsprop_update(g, &gp, &gg, [&gv, &gm], &lr, &hp).unwrap();
                cpu::rmsprop_update(&mut p, &grad, &mut v, &mut m, &hp);
            }
            let what = format!("rmsprop n {n} momentum {momentum}");
            // Each step moves a parameter by at most lr/√(1 − ρ) ≈ 3.2·lr (more with momentum).
            assert_close(
                &what,
                &g.download(&gp).unwrap(),
                &p,
                1e-4 * hp.lr * 50.0,
                1e-5,
            );
            assert_close(
                "rmsprop velocity",
                &g.download(&gv).unwrap(),
                &v,
                1e-6,
                1e-5,
            );
            assert_close(
                "rmsprop momentum",
                &g.download(&gm).unwrap(),
                &m,
                1e-6,
                1e-4,
            );
        }
    }
}

/// Keras 3's RMSprop.update_step, written out: velocity = ρ·v + (1 − ρ)·g²; increment =
/// lr·g/√(velocity + ε); momentum = μ·momentum + increment; θ −= momentum.
#[test]
fn rmsprop_twin_follows_keras() {
    let hp = RmsPropParams {
        lr: 0.01,
        rho: 0.8,
        momentum: 0.5,
        eps: 1e-7,
    };
    let (mut p, mut v, mut m) = ([1.0f64, -2.0], [0.0f64; 2], [0.0f64; 2]);
    let grads = [[0.5, -3.0], [0.25, 1.0]];
    let (mut kp, mut kv, mut km) = (p, v, m);
    // The hyper-parameters as the f32s they are.
    let (lr, rho, mu, eps) = (0.01f32 as f64, 0.8f32 as f64, 0.5, 1e-7f32 as f64);
    for g in grads {
        cpu::rmsprop_update(&mut p, &g, &mut v, &mut m, &hp);
        for i in 0..2 {
            kv[i] = rho * kv[i] + (1.0 - rho) * g[i] * g[i];
            let inc = lr * g[i] / (kv[i] + eps).sqrt();
            km[i] = mu * km[i] + inc;
            kp[i] -= km[i];
        }
    }
    for i in 0..2 {
        assert!((p[i] - kp[i]).abs() < 1e-9, "{p:?} vs {kp:?}");
        assert!((v[i] - kv[i]).abs() < 1e-9 && (m[i] - km[i]).abs() < 1e-9);
    }
}

#[test]
fn weight_decay_matches_cpu_and_keras() {
    let mut p = vec![2.0f64, -4.0, 0.0];
    cpu::weight_decay_update(&mut p, 0.004, 0.5);
    let wd = 0.004f32 as f64; // the f32 it is
    assert_eq!(p, vec![2.0 - 2.0 * wd * 0.5, -4.0 + 4.0 * wd * 0.5, 0.0]);
    let Some(g) = gpu() else { return };
    for &n in &SIZES {
        let mut p = randn(n as u64, n, 10.0);
        let gp = g.upload(&[n], &p).unwrap();
        let lr = g.upload(&[1], &[0.01]).unwrap();
        ops::weight_decay_update(g, &gp, 0.004, &lr).unwrap();
        cpu::weight_decay_update(&mut p, 0.004, 0.01);
        assert_close("weight decay", &g.download(&gp).unwrap(), &p, 1e-7, 1e-6);
    }
}
