//! Sigmoid fused with binary cross-entropy, and Keras's binary accuracy
//! (`shaders/sigmoid_cross_entropy.wgsl`).

use crate::prelude::*;

/// 0/1 labels, with every fourth one a probability instead (Keras allows soft labels).
fn labels(seed: u64, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| match (i as u64 * 5 + seed) % 4 {
            0 => 0.25,
            k => (k % 2) as f32,
        })
        .collect()
}

#[test]
fn sigmoid_cross_entropy_is_stable_and_matches() {
    let Some(g) = gpu() else { return };
    for &rows in &SIZES {
        for &cols in &[1, 3, 10, 257] {
            let n = rows * cols;
            let mut z = randn(rows as u64 * 5 + cols as u64, n, 30.0);
            z[0] = 100.0;
            if n > 1 {
                z[n - 1] = -100.0;
            }
            let y = labels(rows as u64, n);
            let gz = g.upload(&[rows, cols], &z).unwrap();
            let gy = g.upload(&[rows, cols], &y).unwrap();
            let (p, l) = ops::sigmoid_cross_entropy_forward(g, &gz, &gy).unwrap();
            let (pc, lc) = cpu::sigmoid_cross_entropy_forward(&z, &y);
            let lg = g.download(&l).unwrap();
            assert!(lg.iter().all(|v| v.is_finite()), "non-finite {lg:?}");
            assert_close("binary cross-entropy", &lg, &lc, 1e-5, 1e-5);
            assert_close("sigmoid probs", &g.download(&p).unwrap(), &pc, 1e-6, 1e-5);
            let scale = 1.0 / n as f32;
            let d = ops::sigmoid_cross_entropy_backward(g, &p, &gy, scale).unwrap();
            let want = cpu::sigmoid_cross_entropy_backward(&pc, &y, scale as f64);
            assert_close(
                "sigmoid ce backward",
                &g.download(&d).unwrap(),
                &want,
                1e-6,
                1e-5,
            );
            let acc = ops::binary_accuracy_forward(g, &p, &gy).unwrap();
            let want = cpu::binary_accuracy_forward(&pc, &y, rows, cols);
            // hits / cols: exact on the twin, within WGSL's 2.5 ulp for f32 division on
            // the GPU (NVIDIA's Vulkan driver gives 0.90000004 for 0.9).
            assert_close(
                "binary accuracy",
                &g.download(&acc).unwrap(),
                &want,
                0.0,
                2.5 * f32::EPSILON,
            );
        }
    }
}

#[test]
fn sigmoid_cross_entropy_backward_matches_finite_differences() {
    let n = 24;
    let z: Vec<f64> = rand64(29, n).iter().map(|v| v * 8.0).collect();
    let y: Vec<f64> = labels(3, n).iter().map(|&v| v as f64).collect();
    let mean_loss = |z: &[f64]| {
        let (_, l) = cpu::sigmoid_cross_entropy_forward(z, &y);
        cpu::sum_forward(&l, 1.0 / n as f64)
    };
    let (p, _) = cpu::sigmoid_cross_entropy_forward(&z, &y);
    let d = cpu::sigmoid_cross_entropy_backward(&p, &y, 1.0 / n as f64);
    check("sigmoid_cross_entropy_backward", &z, &d, mean_loss);
}

/// Values from the definition −(y·log σ(z) + (1 − y)·log(1 − σ(z))) and Keras's
/// binary_accuracy (threshold 0.5).
#[test]
fn binary_cross_entropy_known_values() {
    let z = [0.0, 2.0, -3.0, 40.0, -40.0];
    let y = [1.0, 1.0, 1.0, 0.0, 0.0];
    let (p, l) = cpu::sigmoid_cross_entropy_forward(&z, &y);
    let want = [
        std::f64::consts::LN_2,
        0.12692801104297263,
        3.048587351573742,
        40.0,
        4.248354255291589e-18,
    ];
    for i in 0..5 {
        assert!(
            (l[i] - want[i]).abs() <= 1e-12 * want[i].max(1.0),
            "{i}: {} vs {}",
            l[i],
            want[i]
        );
    }
    assert_eq!(
        cpu::binary_accuracy_forward(&p, &y, 1, 5),
        vec![2.0 / 5.0],
        "hits: σ(2) for 1 and σ(−40) for 0; σ(0) = 0.5 is not above the threshold"
    );
}
