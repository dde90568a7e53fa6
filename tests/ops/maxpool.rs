//! 2-D max-pooling and its backward through the argmax (`shaders/maxpool.wgsl`).

use crate::prelude::*;

#[test]
fn maxpool_forward_and_backward() {
    let Some(g) = gpu() else { return };
    // (n, h, w, c, pool, stride)
    let cases = [
        (1, 1, 1, 1, 1, 1),
        (2, 7, 7, 3, 2, 2),
        (2, 26, 26, 32, 2, 2),
        (3, 11, 11, 33, 2, 2),
        (1, 9, 9, 5, 3, 2),
        (2, 8, 7, 4, 3, 1),
        (1, 33, 33, 7, 3, 3),
        (1, 9, 9, 8, 3, 2), // C % 4 == 0: vec4 kernels, overlapping windows
    ];
    for (i, (n, h, w, c, p, s)) in cases.into_iter().enumerate() {
        let geo = Pool2dGeometry::new(n, h, w, c, (p, p), (s, s)).unwrap();
        let x = randn(i as u64, geo.input_len(), 10.0);
        let gx = g.upload(&[n, h, w, c], &x).unwrap();
        let (y, arg) = ops::maxpool_forward(g, &gx, &geo).unwrap();
        let (yc, argc) = cpu::maxpool_forward(&x, &geo);
        assert_close(
            &format!("maxpool_forward {geo:?}"),
            &g.download(&y).unwrap(),
            &yc,
            0.0,
            0.0,
        );
        assert_eq!(
            g.download_u32(&arg).unwrap(),
            argc,
            "maxpool argmax {geo:?}"
        );
        let dy = randn(i as u64 + 9, geo.output_len(), 10.0);
        let gdy = g.upload(&[n, geo.oh, geo.ow, c], &dy).unwrap();
        let dx = ops::maxpool_backward(g, &gdy, &arg, &geo).unwrap();
        assert_close(
            &format!("maxpool_backward {geo:?}"),
            &g.download(&dx).unwrap(),
            &cpu::maxpool_backward(&dy, &argc, &geo),
            1e-5,
            1e-6,
        );
    }
}

#[test]
fn maxpool_ties_take_the_first_maximum() {
    let Some(g) = gpu() else { return };
    let geo = Pool2dGeometry::new(1, 4, 4, 1, (2, 2), (2, 2)).unwrap();
    let x = vec![1.0; 16];
    let gx = g.upload(&[1, 4, 4, 1], &x).unwrap();
    let (_, arg) = ops::maxpool_forward(g, &gx, &geo).unwrap();
    assert_eq!(g.download_u32(&arg).unwrap(), vec![0, 2, 8, 10]);
    assert_eq!(cpu::maxpool_forward(&x, &geo).1, vec![0, 2, 8, 10]);
    // Same on the vec4 path (4 channels), with overlapping windows.
    let geo = Pool2dGeometry::new(1, 5, 5, 4, (3, 3), (1, 1)).unwrap();
    let x = vec![1.0; 100];
    let gx = g.upload(&[1, 5, 5, 4], &x).unwrap();
    let (_, arg) = ops::maxpool_forward(g, &gx, &geo).unwrap();
    assert_eq!(
        g.download_u32(&arg).unwrap(),
        cpu::maxpool_forward(&x, &geo).1
    );
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

/// The backward masked by the ReLU before the pool (x = that ReLU's output: zeros and
/// positives, windows of all zeros whose argmax is 0): the bits of maxpool_backward then
/// relu_backward, on the scalar and vec4 kernels with overlapping windows, and the twins.
#[test]
fn maxpool_backward_masked_is_relu_backward_of_the_gather() {
    let Some(g) = gpu() else { return };
    let cases = [
        (1, 1, 1, 1, 1, 1),
        (2, 7, 7, 3, 2, 2),
        (2, 26, 26, 32, 2, 2),
        (3, 11, 11, 33, 2, 2),
        (1, 9, 9, 8, 3, 2),
        (2, 8, 7, 4, 3, 1),
    ];
    for (i, (n, h, w, c, p, s)) in cases.into_iter().enumerate() {
        let geo = Pool2dGeometry::new(n, h, w, c, (p, p), (s, s)).unwrap();
        let x: Vec<f32> = randn(i as u64 + 70, geo.input_len(), 10.0)
            .iter()
            .map(|v| v.max(0.0))
            .collect();
        let gx = g.upload(&[n, h, w, c], &x).unwrap();
        let (_, arg) = ops::maxpool_forward(g, &gx, &geo).unwrap();
        let dy = randn(i as u64 + 90, geo.output_len(), 10.0);
        let gdy = g.upload(&[n, geo.oh, geo.ow, c], &dy).unwrap();
        let masked = ops::maxpool_backward_masked(g, &gdy, &arg, &geo, &gx).unwrap();
        let plain = ops::maxpool_backward(g, &gdy, &arg, &geo).unwrap();
        let two = ops::unary_backward(g, Unary::Relu, &gx, &plain).unwrap();
        let (got, want) = (g.download(&masked).unwrap(), g.download(&two).unwrap());
        let same = got
            .iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(
            same,
            "maxpool_backward_masked {geo:?}: not the two kernels' bits"
        );
        let (_, argc) = cpu::maxpool_forward(&x, &geo);
        let twin = cpu::relu_backward(&x, &cpu::maxpool_backward(&dy, &argc, &geo));
        assert_close(&format!("masked {geo:?}"), &got, &twin, 1e-5, 1e-6);
    }
}
