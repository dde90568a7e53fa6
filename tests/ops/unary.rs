//! The elementwise activations: every op in the registry's `unary` table (`relu`,
//! `sigmoid`, `tanh`, …), so a new one is covered by these tests once it is registered —
//! GPU against its twin, the twin's backward against finite differences, and the twin
//! against values computed independently of wgtrain (`known_values`).

use crate::prelude::*;

/// What `op`'s backward reads: the input x or the output y.
fn saved<'a, T: ?Sized>(op: Unary, x: &'a T, y: &'a T) -> &'a T {
    match op.saved() {
        Saved::Input => x,
        Saved::Output => y,
    }
}

/// Every op on every size, including a large one past one workgroup row, a multiple of 4
/// (the vec4 backward where there is one) and inputs of ±100 where naive formulas
/// overflow.
#[test]
fn every_unary_op_matches_its_twin() {
    let Some(g) = gpu() else { return };
    for &op in Unary::ALL {
        for &n in SIZES.iter().chain(&[4, 36, 100_003, 100_000]) {
            let mut x = randn(n as u64, n, 30.0);
            x[0] = 100.0;
            if n > 1 {
                x[1] = -100.0;
            }
            let dy = randn(n as u64 + 1, n, 5.0);
            let gx = g.upload(&[n], &x).unwrap();
            let gdy = g.upload(&[n], &dy).unwrap();

            let y = ops::unary_forward(g, op, &gx).unwrap();
            let yc = op.cpu_forward(&x);
            let what = format!("{}_forward n{n}", op.name());
            assert_close(&what, &g.download(&y).unwrap(), &yc, 1e-6, 1e-5);

            let dx = ops::unary_backward(g, op, saved(op, &gx, &y), &gdy).unwrap();
            let want = op.cpu_backward(saved(op, &x[..], &yc[..]), &dy);
            let what = format!("{}_backward n{n}", op.name());
            assert_close(&what, &g.download(&dx).unwrap(), &want, 1e-5, 1e-4);
        }
    }
}

#[test]
fn every_unary_backward_matches_finite_differences() {
    // Inputs kept away from 0, where ReLU has its kink.
    let x: Vec<f64> = rand64(5, 40)
        .iter()
        .map(|v| if v.abs() < 0.05 { v + 0.1 } else { *v } * 4.0)
        .collect();
    let w = rand64(6, 40);
    for &op in Unary::ALL {
        let y = op.cpu_forward(&x);
        let analytic = op.cpu_backward(saved(op, &x[..], &y[..]), &w);
        check(&format!("{}_backward", op.name()), &x, &analytic, |x| {
            dot(&w, &op.cpu_forward(x))
        });
    }
}

/// (x, f(x)) from the definitions (Python's math module), not from wgtrain.
fn known_values(op: Unary) -> &'static [(f64, f64)] {
    match op {
        Unary::Relu => &[(-2.0, 0.0), (0.0, 0.0), (3.5, 3.5)],
        Unary::Sigmoid => &[
            (0.0, 0.5),
            (2.0, 0.8807970779778823),
            (-40.0, 4.248354255291589e-18),
        ],
        Unary::Tanh => &[(0.0, 0.0), (1.0, 0.7615941559557649), (-20.0, -1.0)],
        Unary::LeakyRelu => &[(-2.0, -0.4000000059604645), (0.0, 0.0), (3.5, 3.5)],
        Unary::Gelu => &[
            (1.0, 0.8413447460685429),
            (-1.0, -0.15865525393145707),
            (3.0, 2.99595030590511),
            (-5.0, -1.4332578593959731e-06),
        ],
    }
}

#[test]
fn every_unary_twin_gives_known_values() {
    for &op in Unary::ALL {
        for &(x, want) in known_values(op) {
            let got = op.cpu_forward(&[x])[0];
            assert!(
                (got - want).abs() <= 1e-15 + 1e-12 * want.abs(),
                "{}({x}) = {got}, want {want}",
                op.name()
            );
        }
    }
}

/// leaky_relu with other slopes (the LeakyReLU layer's parameter): GPU vs the `_with`
/// twins, the twins against finite differences and against the formula.
#[test]
fn leaky_relu_slope_is_a_parameter() {
    let n = 257;
    let x = randn(77, n, 30.0);
    let dy = randn(78, n, 5.0);
    for slope in [0.0f32, 0.3, 1.0, 2.5] {
        let want: Vec<f32> = x
            .iter()
            .map(|&v| if v > 0.0 { v } else { slope * v })
            .collect();
        let y = cpu::leaky_relu_forward_with(&x, slope);
        assert_eq!(y, want, "slope {slope}");
        let x64: Vec<f64> = rand64(79, 30)
            .iter()
            .map(|v| v + 0.05 * v.signum())
            .collect();
        let w = rand64(80, 30);
        let y64 = cpu::leaky_relu_forward_with(&x64, slope);
        check(
            &format!("leaky_relu_backward_with slope {slope}"),
            &x64,
            &cpu::leaky_relu_backward_with(&y64, &w, slope),
            |x| dot(&w, &cpu::leaky_relu_forward_with(x, slope)),
        );
        let Some(g) = gpu() else { continue };
        let (gx, gdy) = (g.upload(&[n], &x).unwrap(), g.upload(&[n], &dy).unwrap());
        let gy = ops::unary_forward_with(g, Unary::LeakyRelu, &gx, slope).unwrap();
        assert_close(
            "leaky_relu_forward",
            &g.download(&gy).unwrap(),
            &y,
            1e-6,
            1e-6,
        );
        let gdx = ops::unary_backward_with(g, Unary::LeakyRelu, &gy, &gdy, slope).unwrap();
        let want = cpu::leaky_relu_backward_with(&y, &dy, slope);
        assert_close(
            "leaky_relu_backward",
            &g.download(&gdx).unwrap(),
            &want,
            1e-6,
            1e-6,
        );
    }
}
