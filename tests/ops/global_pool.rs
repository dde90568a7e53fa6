//! Global average and max pooling over NHWC (`shaders/global_pool.wgsl`).

use crate::prelude::*;

const SHAPES: [(usize, usize, usize, usize); 5] = [
    (1, 1, 1, 1),
    (7, 5, 3, 1),
    (2, 7, 7, 33),
    (3, 1, 9, 4),
    (33, 4, 4, 7),
];

#[test]
fn global_pooling_matches_cpu() {
    let Some(g) = gpu() else { return };
    for &(n, h, w, c) in &SHAPES {
        let hw = h * w;
        let mut x = randn((n * hw * c) as u64, n * hw * c, 20.0);
        // A tie in the first window: the first maximum must win on both sides.
        if hw > 1 {
            x[c] = x[0].abs() + 1.0;
            x[0] = x[c];
        }
        let dy = randn(3, n * c, 4.0);
        let gx = g.upload(&[n, h, w, c], &x).unwrap();
        let gdy = g.upload(&[n, c], &dy).unwrap();
        let what = format!("n{n} h{h} w{w} c{c}");

        let y = ops::global_avg_pool_forward(g, &gx).unwrap();
        let want = cpu::global_avg_pool_forward(&x, n, hw, c);
        assert_close(
            &format!("avg forward {what}"),
            &g.download(&y).unwrap(),
            &want,
            sum_atol(hw, 20.0),
            1e-5,
        );
        let dx = ops::global_avg_pool_backward(g, &gdy, &[n, h, w, c]).unwrap();
        let want = cpu::global_avg_pool_backward(&dy, n, hw, c);
        assert_close(
            &format!("avg backward {what}"),
            &g.download(&dx).unwrap(),
            &want,
            1e-6,
            1e-5,
        );

        let (y, arg) = ops::global_max_pool_forward(g, &gx).unwrap();
        let (yc, argc) = cpu::global_max_pool_forward(&x, n, hw, c);
        assert_eq!(g.download(&y).unwrap(), yc, "max forward {what}");
        assert_eq!(g.download_u32(&arg).unwrap(), argc, "max argmax {what}");
        let dx = ops::global_max_pool_backward(g, &gdy, &arg, &[n, h, w, c]).unwrap();
        let want = cpu::global_max_pool_backward(&dy, &argc, n, hw, c);
        assert_eq!(g.download(&dx).unwrap(), want, "max backward {what}");
    }
}

#[test]
fn global_pooling_backwards_match_finite_differences() {
    let (n, hw, c) = (2, 6, 3);
    let x = rand64(41, n * hw * c);
    let w = rand64(42, n * c);
    let dx = cpu::global_avg_pool_backward(&w, n, hw, c);
    check("global_avg_pool_backward", &x, &dx, |x| {
        dot(&w, &cpu::global_avg_pool_forward(x, n, hw, c))
    });
    let (_, arg) = cpu::global_max_pool_forward(&x, n, hw, c);
    let dx = cpu::global_max_pool_backward(&w, &arg, n, hw, c);
    check("global_max_pool_backward", &x, &dx, |x| {
        dot(&w, &cpu::global_max_pool_forward(x, n, hw, c).0)
    });
}
