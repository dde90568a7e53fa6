//! Zero padding of NHWC batches and its crop (`shaders/pad2d.wgsl`).

use crate::prelude::*;
use wgtrain::geometry::Pad2dGeometry;

#[test]
fn pad2d_known_values() {
    // One 2×2 single-channel image, one row above, two columns on the right.
    let g = Pad2dGeometry::new(1, (2, 2, 1), (1, 0), (0, 2)).unwrap();
    assert_eq!((g.oh, g.ow), (3, 4));
    let y = cpu::pad2d_forward(&[1.0f32, 2.0, 3.0, 4.0], &g);
    assert_eq!(
        y,
        vec![0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 3.0, 4.0, 0.0, 0.0]
    );
    let dy: Vec<f32> = (0..12).map(|v| v as f32).collect();
    assert_eq!(cpu::pad2d_backward(&dy, &g), vec![4.0, 5.0, 8.0, 9.0]);
    assert!(Pad2dGeometry::new(1, (2, usize::MAX, 1), (0, 0), (0, 1)).is_err());
}

/// GPU against the twin: odd batch, sizes and channels, asymmetric padding, a large one.
#[test]
fn pad2d_matches_cpu() {
    let Some(gp) = gpu() else { return };
    let cases = [
        (1, (1, 1, 1), (0, 0), (0, 0)),
        (7, (5, 3, 7), (1, 2), (0, 3)),
        (3, (33, 7, 2), (2, 2), (1, 1)),
        (2, (9, 257, 3), (0, 1), (4, 0)),
        (5, (64, 64, 17), (3, 1), (2, 5)),
    ];
    for (k, &(n, hwc, rows, cols)) in cases.iter().enumerate() {
        let g = Pad2dGeometry::new(n, hwc, rows, cols).unwrap();
        let x = randn(k as u64, g.input_len(), 50.0);
        let gx = gp.upload(&[n, hwc.0, hwc.1, hwc.2], &x).unwrap();
        let gy = ops::pad2d_forward(gp, &gx, &g).unwrap();
        assert_eq!(gy.shape(), [n, g.oh, g.ow, hwc.2]);
        assert_close(
            "pad2d_forward",
            &gp.download(&gy).unwrap(),
            &cpu::pad2d_forward(&x, &g),
            0.0,
            0.0,
        );
        let dy = randn(k as u64 + 9, g.output_len(), 50.0);
        let gdy = gp.upload(&[n, g.oh, g.ow, hwc.2], &dy).unwrap();
        let gdx = ops::pad2d_backward(gp, &gdy, &g).unwrap();
        assert_close(
            "pad2d_backward",
            &gp.download(&gdx).unwrap(),
            &cpu::pad2d_backward(&dy, &g),
            0.0,
            0.0,
        );
    }
}

#[test]
fn pad2d_backward_matches_finite_differences() {
    let g = Pad2dGeometry::new(2, (3, 4, 2), (2, 1), (0, 3)).unwrap();
    let x = rand64(5, g.input_len());
    let w = rand64(6, g.output_len());
    check("pad2d dx", &x, &cpu::pad2d_backward(&w, &g), |x| {
        dot(&w, &cpu::pad2d_forward(x, &g))
    });
}
