//! Every CPU backward against central finite differences, all in f64.
//! For an op y = f(x) and a random upstream gradient w, the scalar L(x) = Σ w ⊙ f(x) has
//! dL/dx = backward(x, w); each partial is checked against (L(x+h) − L(x−h)) / 2h.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wgtrain::cpu::{self};
use wgtrain::geometry::{Conv2dGeometry, Padding, Pool2dGeometry};
use wgtrain::shape::Layout;

const H: f64 = 1e-6;

fn rand64(seed: u64, n: usize) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Compare `analytic` with central differences of `loss` around `x`.
#[track_caller]
fn check(what: &str, x: &[f64], analytic: &[f64], loss: impl Fn(&[f64]) -> f64) {
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

#[test]
fn matmul_backward_is_the_transposed_products() {
    for (m, n, k) in [(1, 1, 1), (3, 7, 5), (7, 1, 9), (4, 6, 2)] {
        let a = rand64(1, m * k);
        let b = rand64(2, k * n);
        let bias = rand64(3, n);
        let w = rand64(4, m * n);
        let loss_a = |a: &[f64]| {
            dot(
                &w,
                &cpu::matmul(a, &b, Some(&bias), m, n, k, Layout::NN, false),
            )
        };
        let loss_b = |b: &[f64]| {
            dot(
                &w,
                &cpu::matmul(&a, b, Some(&bias), m, n, k, Layout::NN, false),
            )
        };
        let loss_bias = |bi: &[f64]| {
            dot(
                &w,
                &cpu::matmul(&a, &b, Some(bi), m, n, k, Layout::NN, false),
            )
        };
        // dA = dC·Bᵀ (NT), dB = Aᵀ·dC (TN), dbias = column sums of dC.
        check(
            "matmul dA",
            &a,
            &cpu::matmul(&w, &b, None, m, k, n, Layout::NT, false),
            loss_a,
        );
        check(
            "matmul dB",
            &b,
            &cpu::matmul(&a, &w, None, k, n, m, Layout::TN, false),
            loss_b,
        );
        check(
            "bias_backward",
            &bias,
            &cpu::bias_backward(&w, m, n),
            loss_bias,
        );
    }
}

#[test]
fn elementwise_activation_backwards() {
    // Keep ReLU inputs away from its kink at 0.
    let x: Vec<f64> = rand64(5, 40)
        .iter()
        .map(|v| if v.abs() < 0.05 { v + 0.1 } else { *v } * 4.0)
        .collect();
    let w = rand64(6, 40);
    check("relu_backward", &x, &cpu::relu_backward(&x, &w), |x| {
        dot(&w, &cpu::relu_forward(x))
    });
    let y = cpu::sigmoid_forward(&x);
    check(
        "sigmoid_backward",
        &x,
        &cpu::sigmoid_backward(&y, &w),
        |x| dot(&w, &cpu::sigmoid_forward(x)),
    );
    let y = cpu::tanh_forward(&x);
    check("tanh_backward", &x, &cpu::tanh_backward(&y, &w), |x| {
        dot(&w, &cpu::tanh_forward(x))
    });
}

#[test]
fn softmax_backward() {
    let (rows, cols) = (3, 7);
    let x: Vec<f64> = rand64(7, rows * cols).iter().map(|v| v * 5.0).collect();
    let w = rand64(8, rows * cols);
    let y = cpu::softmax_forward(&x, rows, cols);
    check(
        "softmax_backward",
        &x,
        &cpu::softmax_backward(&y, &w, rows, cols),
        |x| dot(&w, &cpu::softmax_forward(x, rows, cols)),
    );
}

#[test]
fn softmax_cross_entropy_backward_is_p_minus_y_over_n() {
    let (rows, cols) = (5, 10);
    let z: Vec<f64> = rand64(9, rows * cols).iter().map(|v| v * 8.0).collect();
    let mut labels = vec![0.0; rows * cols];
    for r in 0..rows {
        labels[r * cols + (r * 3) % cols] = 1.0;
    }
    let mean_loss = |z: &[f64]| {
        let (_, l) = cpu::softmax_cross_entropy_forward(z, &labels, rows, cols);
        cpu::sum_forward(&l, 1.0 / rows as f64)
    };
    let (p, _) = cpu::softmax_cross_entropy_forward(&z, &labels, rows, cols);
    let d = cpu::softmax_cross_entropy_backward(&p, &labels, 1.0 / rows as f64);
    check("softmax_cross_entropy_backward", &z, &d, mean_loss);
}

#[test]
fn mse_backward() {
    let n = 17;
    let p = rand64(10, n);
    let t = rand64(11, n);
    let d = cpu::mse_backward(&p, &t, 1.0 / n as f64);
    check("mse_backward", &p, &d, |p| {
        cpu::sum_forward(&cpu::mse_forward(p, &t), 1.0 / n as f64)
    });
}

#[test]
fn col2im_is_the_adjoint_of_im2col() {
    let cases = [
        Conv2dGeometry::new(2, 5, 6, 3, (3, 3), (1, 1), Padding::Valid).unwrap(),
        Conv2dGeometry::new(1, 7, 5, 2, (3, 3), (2, 2), Padding::Same).unwrap(),
        Conv2dGeometry::new(1, 6, 6, 1, (4, 2), (3, 1), Padding::Same).unwrap(),
    ];
    for g in cases {
        let x = rand64(12, g.input_len());
        let w = rand64(13, g.col_rows() * g.col_cols());
        check(
            &format!("im2col_backward {g:?}"),
            &x,
            &cpu::im2col_backward(&w, &g),
            |x| dot(&w, &cpu::im2col_forward(x, &g)),
        );
    }
}

#[test]
fn maxpool_backward() {
    for (h, w, p, s) in [(6, 6, 2, 2), (7, 5, 3, 2), (5, 5, 3, 1)] {
        let g = Pool2dGeometry::new(2, h, w, 3, (p, p), (s, s)).unwrap();
        // Distinct values spaced far beyond H, so no perturbation changes a window's winner.
        let mut x: Vec<f64> = (0..g.input_len())
            .map(|i| ((i * 7919) % 1009) as f64 * 1e-2)
            .collect();
        x.iter_mut().for_each(|v| *v -= 5.0);
        let up = rand64(14, g.output_len());
        let (_, arg) = cpu::maxpool_forward(&x, &g);
        check(
            &format!("maxpool_backward {g:?}"),
            &x,
            &cpu::maxpool_backward(&up, &arg, &g),
            |x| dot(&up, &cpu::maxpool_forward(x, &g).0),
        );
    }
}

#[test]
fn dropout_backward_is_the_mask() {
    let x = rand64(11, 40);
    let w = rand64(12, 40);
    let (_, mask) = cpu::dropout_forward(&x, 3, 0.4, 99);
    let analytic = cpu::dropout_backward(&w, &mask);
    check("dropout dx", &x, &analytic, |x| {
        dot(&w, &cpu::dropout_forward(x, 3, 0.4, 99).0)
    });
    // Dropped and kept values are both present for this seed.
    assert!(mask.contains(&0.0) && mask.iter().any(|&m| m > 1.0));
}
