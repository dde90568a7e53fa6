//! Squared error and the scaled sum that makes it a mean (`shaders/mse.wgsl`, `sum.wgsl`).

use crate::prelude::*;

#[test]
fn mse_and_sum() {
    let Some(g) = gpu() else { return };
    for &n in SIZES.iter().chain(&[100_000]) {
        let p = randn(n as u64, n, 20.0);
        let t = randn(n as u64 + 1, n, 20.0);
        let gp = g.upload(&[n], &p).unwrap();
        let gt = g.upload(&[n], &t).unwrap();
        let sq = ops::mse_forward(g, &gp, &gt).unwrap();
        let sqc = cpu::mse_forward(&p, &t);
        assert_close("mse_forward", &g.download(&sq).unwrap(), &sqc, 1e-5, 1e-6);
        let loss = ops::sum_forward(g, &sq, 1.0 / n as f32).unwrap();
        let want = cpu::sum_forward(&sqc, 1.0 / n as f64);
        assert_close(
            &format!("mse mean n {n}"),
            &g.download(&loss).unwrap(),
            &[want],
            1e-5,
            1e-5,
        );
        let d = ops::mse_backward(g, &gp, &gt, 1.0 / n as f32).unwrap();
        assert_close(
            "mse_backward",
            &g.download(&d).unwrap(),
            &cpu::mse_backward(&p, &t, 1.0 / n as f64),
            1e-7,
            1e-5,
        );
    }
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
