//! Max and average pooling with padding 'same' (`shaders/maxpool.wgsl`,
//! `shaders/avgpool.wgsl`): out = ceil(in / stride), the windows centred as Keras's, and
//! only the cells inside the input in each window's maximum and mean (TensorFlow's rule,
//! which Keras follows on every backend).

use crate::prelude::*;

fn same(
    n: usize,
    hwc: (usize, usize, usize),
    p: (usize, usize),
    s: (usize, usize),
) -> Pool2dGeometry {
    Pool2dGeometry::padded(n, hwc, p, s, Padding::Same).unwrap()
}

#[test]
fn same_pooling_known_values() {
    // A 3×3 image, 2×2 windows, stride 2: out 2×2, the padding at the end (pad_top 0).
    let g = same(1, (3, 3, 1), (2, 2), (2, 2));
    assert_eq!((g.oh, g.ow, g.pad_top, g.pad_left), (2, 2, 0, 0));
    let x = [1.0f32, -2.0, 3.0, -4.0, -5.0, -6.0, 7.0, -8.0, -9.0];
    let (y, arg) = cpu::maxpool_forward(&x, &g);
    // The negative cells win where the window's other cells are padding.
    assert_eq!(y, vec![1.0, 3.0, 7.0, -9.0]);
    assert_eq!(arg, vec![0, 2, 6, 8]);
    assert_eq!(cpu::avgpool_forward(&x, &g), vec![-2.5, -1.5, -0.5, -9.0]);
    // 3×3 windows, stride 1: the padding is split, one row and column on each side.
    let g = same(1, (3, 3, 1), (3, 3), (1, 1));
    assert_eq!((g.oh, g.ow, g.pad_top, g.pad_left), (3, 3, 1, 1));
    let y = cpu::avgpool_forward(&x, &g);
    assert_eq!(y[0], (1.0 - 2.0 - 4.0 - 5.0) / 4.0);
    assert_eq!(y[4], x.iter().sum::<f32>() / 9.0);
    assert_eq!(y[5], (-2.0 + 3.0 - 5.0 - 6.0 - 8.0 - 9.0) / 6.0);
    let dx = cpu::avgpool_backward(&[1.0f32; 9], &g);
    // The corner is in 4 windows of 4, 6, 6 and 9 cells.
    assert!((dx[0] - (0.25 + 1.0 / 6.0 + 1.0 / 6.0 + 1.0 / 9.0)).abs() < 1e-6);
}

/// GPU against the twins on odd sizes, strides and channel counts (C % 4 == 0 runs the
/// vec4 max-pool kernels), the masked backward included.
#[test]
fn same_pooling_matches_cpu() {
    let Some(gp) = gpu() else { return };
    let cases = [
        (1, (1, 1, 1), (2, 2), (2, 2)),
        (2, (7, 5, 3), (2, 2), (2, 2)),
        (3, (7, 7, 4), (3, 3), (2, 2)),
        (1, (33, 9, 5), (3, 2), (1, 3)),
        (2, (5, 257, 8), (4, 4), (3, 1)),
        (2, (31, 29, 7), (5, 3), (2, 2)),
    ];
    for (i, &(n, hwc, p, s)) in cases.iter().enumerate() {
        let g = same(n, hwc, p, s);
        assert_eq!((g.oh, g.ow), (hwc.0.div_ceil(s.0), hwc.1.div_ceil(s.1)));
        let shape = [n, hwc.0, hwc.1, hwc.2];
        let x = randn(i as u64, g.input_len(), 10.0);
        let gx = gp.upload(&shape, &x).unwrap();
        let (y, arg) = ops::maxpool_forward(gp, &gx, &g).unwrap();
        let (yc, argc) = cpu::maxpool_forward(&x, &g);
        assert_close(
            "maxpool_forward same",
            &gp.download(&y).unwrap(),
            &yc,
            0.0,
            0.0,
        );
        assert_eq!(gp.download_u32(&arg).unwrap(), argc, "argmax {g:?}");
        let dy = randn(i as u64 + 7, g.output_len(), 10.0);
        let gdy = gp.upload(&[n, g.oh, g.ow, hwc.2], &dy).unwrap();
        let dx = ops::maxpool_backward(gp, &gdy, &arg, &g).unwrap();
        let dxc = cpu::maxpool_backward(&dy, &argc, &g);
        assert_close(
            "maxpool_backward same",
            &gp.download(&dx).unwrap(),
            &dxc,
            1e-5,
            1e-6,
        );
        let masked = ops::maxpool_backward_masked(gp, &gdy, &arg, &g, &gx).unwrap();
        let want: Vec<f32> = dxc
            .iter()
            .zip(&x)
            .map(|(d, v)| if *v > 0.0 { *d } else { 0.0 })
            .collect();
        assert_close(
            "maxpool_backward_masked same",
            &gp.download(&masked).unwrap(),
            &want,
            1e-5,
            1e-6,
        );
        let ya = ops::avgpool_forward(gp, &gx, &g).unwrap();
        let want = cpu::avgpool_forward(&x, &g);
        assert_close(
            "avgpool_forward same",
            &gp.download(&ya).unwrap(),
            &want,
            1e-5,
            1e-5,
        );
        let dxa = ops::avgpool_backward(gp, &gdy, &g).unwrap();
        let want = cpu::avgpool_backward(&dy, &g);
        assert_close(
            "avgpool_backward same",
            &gp.download(&dxa).unwrap(),
            &want,
            1e-5,
            1e-5,
        );
    }
}

#[test]
fn same_pooling_backward_matches_finite_differences() {
    let g = same(2, (5, 4, 3), (3, 2), (2, 1));
    let x = rand64(8, g.input_len());
    let w = rand64(9, g.output_len());
    check("avgpool same dx", &x, &cpu::avgpool_backward(&w, &g), |x| {
        dot(&w, &cpu::avgpool_forward(x, &g))
    });
    let (_, arg) = cpu::maxpool_forward(&x, &g);
    check(
        "maxpool same dx",
        &x,
        &cpu::maxpool_backward(&w, &arg, &g),
        |x| dot(&w, &cpu::maxpool_forward(x, &g).0),
    );
}
