//! Keras's L1/L2 weight penalties and their gradients (`shaders/regularize.wgsl`): the
//! penalty reduced in 1024-weight parts on the GPU against the twin's f64 sum, the
//! gradient added in place, sign(0) = 0, and the twin's gradient against finite
//! differences of its penalty.

use crate::prelude::*;

/// Factor pairs (l1, l2): L1 only, L2 only, both, Keras's defaults and large ones.
const FACTORS: [(f32, f32); 4] = [(0.01, 0.0), (0.0, 0.01), (0.3, 1.7), (2.5, 0.125)];

/// Weights with outliers and some exact zeros (every 5th).
fn weights(seed: u64, n: usize) -> Vec<f32> {
    let mut w = randn(seed, n, 100.0);
    for v in w.iter_mut().step_by(5) {
        *v = 0.0;
    }
    w
}

#[test]
fn regularize_known_values() {
    // 0.5·(0 + 2 + 3) + 0.25·(0 + 4 + 9) = 2.5 + 3.25
    let w = [0.0f32, -2.0, 3.0];
    assert_eq!(cpu::regularize_forward(&w, 0.5, 0.25), 5.75);
    // grad + 0.5·sign(w) + 2·0.25·w, with sign(0) = 0.
    let mut g = [1.0f32, 1.0, 1.0];
    cpu::regularize_backward(&w, &mut g, 0.5, 0.25);
    assert_eq!(g, [1.0, -0.5, 3.0]);
    let Some(gpu) = gpu() else { return };
    let gw = gpu.upload(&[3], &w).unwrap();
    let gg = gpu.upload(&[3], &[1.0, 1.0, 1.0]).unwrap();
    ops::regularize_backward(gpu, &gw, &gg, 0.5, 0.25).unwrap();
    assert_eq!(gpu.download(&gg).unwrap(), vec![1.0, -0.5, 3.0]);
    let out = gpu.upload(&[1], &[1.0]).unwrap();
    ops::regularize_penalty_into(gpu, &gw, 0.5, 0.25, 2.0, &out).unwrap();
    assert_eq!(gpu.download(&out).unwrap(), vec![1.0 + 2.0 * 5.75]);
}

/// GPU against the twin on sizes that are not tile multiples, on either side of the
/// 1024-weight parts, and a large one (98 parts), with outliers and zeros.
#[test]
fn regularize_matches_cpu() {
    let Some(g) = gpu() else { return };
    let sizes = SIZES.iter().chain(&[1023, 1024, 1025, 4099, 100_003]);
    for (k, &n) in sizes.enumerate() {
        let w = weights(k as u64, n);
        let gw = g.upload(&[n], &w).unwrap();
        for &(l1, l2) in &FACTORS {
            // The parts: one per 1024 weights, each the twin's penalty of its chunk.
            let parts = g
                .download(&ops::regularize_forward(g, &gw, l1, l2).unwrap())
                .unwrap();
            assert_eq!(parts.len(), n.div_ceil(1024), "n = {n}: parts");
            let want: Vec<f32> = w
                .chunks(1024)
                .map(|c| cpu::regularize_forward(c, l1, l2) as f32)
                .collect();
            assert_close("regularize_forward parts", &parts, &want, 1e-6, 1e-5);
            // Their sum added into a running total, scaled (as a step's loss sum).
            let out = g.upload(&[1], &[5.0]).unwrap();
            ops::regularize_penalty_into(g, &gw, l1, l2, 3.0, &out).unwrap();
            let want = 5.0 + 3.0 * cpu::regularize_forward(&w, l1, l2);
            assert_close(
                &format!("regularize penalty, n = {n}, ({l1}, {l2})"),
                &g.download(&out).unwrap(),
                &[want as f32],
                1e-6,
                1e-5,
            );
            // The gradient added in place to what backward wrote.
            let grad = randn(k as u64 + 100, n, 10.0);
            let gg = g.upload(&[n], &grad).unwrap();
            ops::regularize_backward(g, &gw, &gg, l1, l2).unwrap();
            let mut want = grad.clone();
            cpu::regularize_backward(&w, &mut want, l1, l2);
            assert_close(
                "regularize_backward",
                &g.download(&gg).unwrap(),
                &want,
                1e-6,
                1e-6,
            );
        }
    }
}

#[test]
fn regularize_refuses_mismatched_shapes() {
    let Some(g) = gpu() else { return };
    let w = g.upload(&[3], &[1.0, 2.0, 3.0]).unwrap();
    let grad = g.upload(&[2], &[0.0, 0.0]).unwrap();
    assert!(ops::regularize_backward(g, &w, &grad, 0.1, 0.1).is_err());
}

#[test]
fn regularize_backward_matches_finite_differences() {
    for (seed, &(l1, l2)) in FACTORS.iter().enumerate() {
        let x = rand64(seed as u64, 33);
        let mut analytic = vec![0.0f64; 33];
        cpu::regularize_backward(&x, &mut analytic, l1, l2);
        check(&format!("regularize ({l1}, {l2})"), &x, &analytic, |x| {
            cpu::regularize_forward(x, l1, l2)
        });
    }
}
