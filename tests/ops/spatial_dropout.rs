//! SpatialDropout2D's channel masks from the step counter (`shaders/spatial_dropout.wgsl`).

use crate::prelude::*;

/// (n, h, w, c): odd sizes, one pixel, one channel, and many channels.
const SHAPES: [(usize, usize, usize, usize); 6] = [
    (1, 1, 1, 1),
    (7, 3, 5, 7),
    (2, 33, 1, 3),
    (3, 2, 2, 257),
    (1, 7, 7, 33),
    (64, 4, 4, 400),
];

/// The GPU draws the twin's mask bit for bit at several counter values; the mask is
/// dropout's own draw on an [n, c] tensor; each channel of a sample is all kept (scaled)
/// or all zero; the kept share is near 1 − rate.
#[test]
fn spatial_dropout_matches_cpu_exactly() {
    let Some(g) = gpu() else { return };
    for &(n, h, w, c) in &SHAPES {
        let rate = 0.3f32;
        let len = n * h * w * c;
        let x = randn(len as u64, len, 10.0);
        let gx = g.upload(&[n, h, w, c], &x).unwrap();
        let counter = g.upload_u32(&[1], &[0]).unwrap();
        for step in 1..=3u32 {
            ops::counter_step(g, &counter).unwrap();
            let (y, mask) = ops::spatial_dropout_forward(g, &gx, &counter, rate, 77).unwrap();
            let (yc, maskc) = cpu::spatial_dropout_forward(&x, (n, h * w, c), step, rate, 77);
            let what = format!("n {n} h {h} w {w} c {c} step {step}");
            assert_eq!(g.download(&mask).unwrap(), maskc, "mask {what}");
            assert_eq!(
                maskc,
                cpu::dropout_forward(&vec![1.0f32; n * c], step, rate, 77).1
            );
            assert_close(
                &format!("y {what}"),
                &g.download(&y).unwrap(),
                &yc,
                0.0,
                1e-6,
            );
            for (i, (&v, &out)) in x.iter().zip(&yc).enumerate() {
                let m = maskc[(i / (h * w * c)) * c + i % c];
                assert!(out == v * m && (m == 0.0 || m == 1.0 / 0.7), "{what}: {i}");
            }
            let dy = randn(step as u64, len, 3.0);
            let gdy = g.upload(&[n, h, w, c], &dy).unwrap();
            let dx = ops::spatial_dropout_backward(g, &gdy, &mask).unwrap();
            let dxc = cpu::spatial_dropout_backward(&dy, &maskc, (n, h * w, c));
            assert_close(
                &format!("dx {what}"),
                &g.download(&dx).unwrap(),
                &dxc,
                0.0,
                1e-6,
            );
            if n * c > 10_000 {
                let kept = maskc.iter().filter(|&&m| m > 0.0).count() as f64 / (n * c) as f64;
                assert!((kept - 0.7).abs() < 0.02, "kept share {kept}");
            }
        }
    }
}

#[test]
fn spatial_dropout_backward_matches_finite_differences() {
    let (n, hw, c) = (3, 4, 5);
    let x = rand64(21, n * hw * c);
    let w = rand64(22, n * hw * c);
    let (_, mask) = cpu::spatial_dropout_forward(&x, (n, hw, c), 2, 0.5, 5);
    let analytic = cpu::spatial_dropout_backward(&w, &mask, (n, hw, c));
    check("spatial_dropout dx", &x, &analytic, |x| {
        dot(
            &w,
            &cpu::spatial_dropout_forward(x, (n, hw, c), 2, 0.5, 5).0,
        )
    });
    assert!(mask.contains(&0.0) && mask.iter().any(|&m| m > 1.0));
}
