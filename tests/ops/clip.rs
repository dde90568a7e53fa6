//! Gradient clipping, Keras's clipnorm and clipvalue (`shaders/clip.wgsl`).

use crate::prelude::*;

#[test]
fn clipping_matches_cpu() {
    let Some(g) = gpu() else { return };
    for &n in SIZES.iter().chain(&[70_001]) {
        let grad = randn(n as u64 + 7, n, 40.0);
        for c in [0.5f32, 1e6] {
            let gg = g.upload(&[n], &grad).unwrap();
            ops::clip_norm_update(g, &gg, c).unwrap();
            let mut want = grad.clone();
            cpu::clip_norm_update(&mut want, c);
            let what = format!("clip_norm n {n} c {c}");
            assert_close(&what, &g.download(&gg).unwrap(), &want, 1e-6, 1e-4);

            let gg = g.upload(&[n], &grad).unwrap();
            ops::clip_value_update(g, &gg, c).unwrap();
            let mut want = grad.clone();
            cpu::clip_value_update(&mut want, c);
            assert_eq!(g.download(&gg).unwrap(), want, "clip_value n {n} c {c}");
        }
    }
}

/// Keras's `_clip_by_norm`: g·c / max(‖g‖, c) — a norm above c becomes c, below is kept.
#[test]
fn clip_twins_follow_keras() {
    let mut g = vec![3.0f64, -4.0];
    cpu::clip_norm_update(&mut g, 1.0);
    assert!(
        (g[0] - 0.6).abs() < 1e-12 && (g[1] + 0.8).abs() < 1e-12,
        "{g:?}"
    );
    let mut small = vec![0.3f64, -0.4];
    cpu::clip_norm_update(&mut small, 1.0);
    assert_eq!(small, vec![0.3, -0.4]);
    let mut zero = vec![0.0f64; 3];
    cpu::clip_norm_update(&mut zero, 1.0);
    assert_eq!(zero, vec![0.0; 3]);
    let mut v = vec![-2.0f64, 0.1, 5.0];
    cpu::clip_value_update(&mut v, 0.5);
    assert_eq!(v, vec![-0.5, 0.1, 0.5]);
}
