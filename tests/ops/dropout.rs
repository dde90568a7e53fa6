//! Inverted dropout masks from the step counter (`shaders/dropout.wgsl`).

use crate::prelude::*;

/// The GPU draws the same dropout mask as the CPU twin, bit for bit, at several counter
/// values; the kept share is close to 1 − rate; sum_into accumulates.
#[test]
fn dropout_masks_match_cpu_exactly() {
    let Some(g) = gpu() else { return };
    for &(n, rate) in &[(1usize, 0.5f32), (7, 0.1), (257, 0.5), (100_003, 0.25)] {
        let x = randn(n as u64, n, 10.0);
        let gx = g.upload(&[n], &x).unwrap();
        let counter = g.upload_u32(&[1], &[0]).unwrap();
        for step in 1..=3u32 {
            ops::counter_step(g, &counter).unwrap();
            let (y, mask) = ops::dropout_forward(g, &gx, &counter, rate, 1234).unwrap();
            let (yc, maskc) = cpu::dropout_forward(&x, step, rate, 1234);
            assert_eq!(g.download(&mask).unwrap(), maskc, "mask n {n} step {step}");
            assert_close("dropout y", &g.download(&y).unwrap(), &yc, 0.0, 1e-6);
            let dy = randn(step as u64, n, 3.0);
            let dx = ops::dropout_backward(g, &g.upload(&[n], &dy).unwrap(), &mask).unwrap();
            assert_close(
                "dropout dx",
                &g.download(&dx).unwrap(),
                &cpu::dropout_backward(&dy, &maskc),
                0.0,
                1e-6,
            );
            if n > 10_000 {
                let kept = maskc.iter().filter(|&&m| m > 0.0).count() as f64 / n as f64;
                assert!(
                    (kept - (1.0 - rate) as f64).abs() < 0.01,
                    "kept share {kept}"
                );
            }
        }
    }
    let ones = g.upload(&[5], &[1.0; 5]).unwrap();
    let acc = g.zeros(&[1]).unwrap();
    for _ in 0..3 {
        ops::sum_into(g, &ones, 0.5, &acc, true).unwrap();
    }
    assert_eq!(g.download(&acc).unwrap(), vec![7.5]);
    ops::sum_into(g, &ones, 1.0, &acc, false).unwrap();
    assert_eq!(g.download(&acc).unwrap(), vec![5.0]);
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
