//! 2-D average pooling and its backward (`shaders/avgpool.wgsl`).

use crate::prelude::*;

#[test]
fn avgpool_forward_and_backward() {
    let Some(g) = gpu() else { return };
    // (n, h, w, c, pool, stride): odd sizes, overlapping windows, stride above the pool.
    let cases = [
        (1, 1, 1, 1, 1, 1),
        (2, 7, 7, 3, 2, 2),
        (3, 11, 11, 33, 2, 2),
        (1, 9, 9, 5, 3, 2),
        (2, 8, 7, 4, 3, 1),
        (1, 10, 10, 2, 2, 3),
    ];
    for (i, (n, h, w, c, p, s)) in cases.into_iter().enumerate() {
        let geo = Pool2dGeometry::new(n, h, w, c, (p, p), (s, s)).unwrap();
        let x = randn(i as u64 + 50, geo.input_len(), 10.0);
        let dy = randn(i as u64 + 60, geo.output_len(), 3.0);
        let gx = g.upload(&[n, h, w, c], &x).unwrap();
        let gdy = g.upload(&[n, geo.oh, geo.ow, c], &dy).unwrap();
        let y = ops::avgpool_forward(g, &gx, &geo).unwrap();
        let want = cpu::avgpool_forward(&x, &geo);
        let what = format!("avgpool {geo:?}");
        assert_close(
            &what,
            &g.download(&y).unwrap(),
            &want,
            sum_atol(p * p, 10.0),
            1e-5,
        );
        let dx = ops::avgpool_backward(g, &gdy, &geo).unwrap();
        let want = cpu::avgpool_backward(&dy, &geo);
        assert_close(
            &what,
            &g.download(&dx).unwrap(),
            &want,
            sum_atol(p * p, 3.0),
            1e-5,
        );
    }
}

#[test]
fn avgpool_backward_is_the_adjoint() {
    let geo = Pool2dGeometry::new(2, 7, 6, 3, (3, 2), (2, 1)).unwrap();
    let x = rand64(71, geo.input_len());
    let w = rand64(72, geo.output_len());
    let dx = cpu::avgpool_backward(&w, &geo);
    check("avgpool_backward", &x, &dx, |x| {
        dot(&w, &cpu::avgpool_forward(x, &geo))
    });
}
