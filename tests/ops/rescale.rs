//! Keras's Rescaling, y = x·scale + offset (`shaders/rescale.wgsl`).

use crate::prelude::*;

#[test]
fn rescale_known_values() {
    assert_eq!(
        cpu::rescale_forward(&[0.0f32, 255.0, -2.0], 0.5, -1.0),
        vec![-1.0, 126.5, -2.0]
    );
    assert_eq!(cpu::rescale_backward(&[2.0f32, -4.0], 0.5), vec![1.0, -2.0]);
}

/// GPU against the twin on sizes that are not tile multiples and a large one, with
/// outliers, for a few (scale, offset) pairs.
#[test]
fn rescale_matches_cpu() {
    let Some(g) = gpu() else { return };
    for (k, &n) in SIZES.iter().chain(&[100_003]).enumerate() {
        for &(scale, offset) in &[(1.0f32 / 255.0, 0.0f32), (-3.5, 0.25), (0.0, 7.0)] {
            let x = randn(k as u64, n, 100.0);
            let gy = ops::rescale_forward(g, &g.upload(&[n], &x).unwrap(), scale, offset).unwrap();
            let want = cpu::rescale_forward(&x, scale, offset);
            assert_close(
                "rescale_forward",
                &g.download(&gy).unwrap(),
                &want,
                1e-6,
                1e-6,
            );
            let dy = randn(k as u64 + 50, n, 10.0);
            let gdx = ops::rescale_backward(g, &g.upload(&[n], &dy).unwrap(), scale).unwrap();
            let want = cpu::rescale_backward(&dy, scale);
            assert_close(
                "rescale_backward",
                &g.download(&gdx).unwrap(),
                &want,
                1e-6,
                1e-6,
            );
        }
    }
}

#[test]
fn rescale_backward_matches_finite_differences() {
    let x = rand64(3, 33);
    let w = rand64(4, 33);
    let analytic = cpu::rescale_backward(&w, -1.75);
    check("rescale dx", &x, &analytic, |x| {
        dot(&w, &cpu::rescale_forward(x, -1.75, 0.5))
    });
}
