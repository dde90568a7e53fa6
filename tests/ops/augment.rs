//! The augmentation layers' op (`shaders/augment.wgsl`): RandomFlip, RandomTranslation,
//! RandomRotation and RandomZoom as one inverse affine map per image, drawn on the device.

use crate::prelude::*;
use wgtrain::cpu::augment::{cos_sin, Augment, FillMode, Interpolation, Transform};

const FILLS: [FillMode; 4] = [
    FillMode::Reflect,
    FillMode::Wrap,
    FillMode::Constant,
    FillMode::Nearest,
];
const INTERPOLATIONS: [Interpolation; 2] = [Interpolation::Nearest, Interpolation::Bilinear];

fn aug(transform: Transform, fill_mode: FillMode, interpolation: Interpolation) -> Augment {
    Augment {
        transform,
        fill_mode,
        interpolation,
        fill_value: 2.5,
    }
}

/// Every transform the layers make, with wide ranges so the fill modes matter.
fn transforms() -> Vec<Transform> {
    vec![
        Transform::Flip {
            horizontal: true,
            vertical: false,
        },
        Transform::Flip {
            horizontal: false,
            vertical: true,
        },
        Transform::Flip {
            horizontal: true,
            vertical: true,
        },
        Transform::Translate {
            height: (-0.4, 0.3),
            width: (0.2, 0.2),
        },
        Transform::Rotate { turns: (-1.0, 1.0) },
        Transform::Rotate { turns: (0.05, 0.3) },
        Transform::Zoom {
            height: (-0.6, 0.9),
            width: None,
        },
        Transform::Zoom {
            height: (-0.3, 0.1),
            width: Some((0.2, 1.0)),
        },
        // Extremes: shifts of up to a whole side, zoom from 20× in to 2× out.
        Transform::Translate {
            height: (-1.0, 1.0),
            width: (-1.0, 1.0),
        },
        Transform::Zoom {
            height: (-0.95, 0.95),
            width: Some((0.9, 1.0)),
        },
    ]
}

/// GPU vs twin, forward and backward, on odd shapes, every fill mode and interpolation at
/// two counter values: with nearest sampling the outputs are bit-equal (the same source
/// pixel or the fill value), with bilinear equal to f32 rounding; the GPU's backward (a
/// gather per input element) equals the twin's scatter.
#[test]
fn augment_matches_cpu_on_every_fill_and_interpolation() {
    let Some(g) = gpu() else { return };
    let shapes = [(1, 1, 1, 1), (3, 7, 7, 3), (2, 33, 7, 1), (2, 5, 33, 3)];
    for &(n, h, w, c) in &shapes {
        let len = n * h * w * c;
        let x = randn(len as u64, len, 10.0);
        let dy = randn(len as u64 + 9, len, 3.0);
        let (gx, gdy) = (
            g.upload(&[n, h, w, c], &x).unwrap(),
            g.upload(&[n, h, w, c], &dy).unwrap(),
        );
        let counter = g.upload_u32(&[1], &[0]).unwrap();
        for step in 1..=2u32 {
            ops::counter_step(g, &counter).unwrap();
            for t in transforms() {
                for fill in FILLS {
                    for interp in INTERPOLATIONS {
                        let a = aug(t, fill, interp);
                        let what = format!("{n}x{h}x{w}x{c} step {step} {a:?}");
                        let y = ops::augment_forward(g, &gx, &counter, &a, 31).unwrap();
                        let yc = cpu::augment_forward(&x, (n, h, w, c), &a, step, 31);
                        let y = g.download(&y).unwrap();
                        if interp == Interpolation::Nearest {
                            assert_eq!(y, yc, "y {what}");
                        } else {
                            assert_close(&format!("y {what}"), &y, &yc, 1e-5, 1e-5);
                        }
                        let dx = ops::augment_backward(g, &gdy, &counter, &a, 31).unwrap();
                        let dxc = cpu::augment_backward(&dy, (n, h, w, c), &a, step, 31);
                        let dx = g.download(&dx).unwrap();
                        assert_close(&format!("dx {what}"), &dx, &dxc, 1e-4, 1e-5);
                    }
                }
            }
        }
    }
}

/// The twin's backward is the forward's transpose: central differences of Σ w·f(x).
#[test]
fn augment_backward_matches_finite_differences() {
    let dims = (2, 5, 6, 2);
    let len = 2 * 5 * 6 * 2;
    let x = rand64(41, len);
    let w = rand64(42, len);
    for t in transforms() {
        for fill in FILLS {
            for interp in INTERPOLATIONS {
                let a = aug(t, fill, interp);
                let analytic = cpu::augment_backward(&w, dims, &a, 3, 8);
                check(&format!("{a:?}"), &x, &analytic, |x| {
                    dot(&w, &cpu::augment_forward(x, dims, &a, 3, 8))
                });
            }
        }
    }
}

/// Hand-computed cases, on the GPU and the twin: a flip flips (about half the images),
/// a quarter turn of a square image is its transpose-and-reverse, zero zoom and zero
/// shift are the identity, a whole-pixel shift moves pixels as each fill mode says,
/// and a half-pixel bilinear shift averages neighbours.
#[test]
fn augment_known_cases() {
    let g = gpu();
    let run = |a: &Augment, x: &[f32], dims: (usize, usize, usize, usize)| -> Vec<f32> {
        let yc = cpu::augment_forward(x, dims, a, 1, 5);
        if let Some(g) = g {
            let (n, h, w, c) = dims;
            let counter = g.upload_u32(&[1], &[1]).unwrap();
            let gx = g.upload(&[n, h, w, c], x).unwrap();
            let y = g.download(&ops::augment_forward(g, &gx, &counter, a, 5).unwrap());
            assert_close(&format!("{a:?}"), &y.unwrap(), &yc, 1e-6, 1e-6);
        }
        yc
    };
    let at = |v: &[f32], (h, w, c): (usize, usize, usize), s: usize, y: usize, x: usize, ch| {
        v[((s * h + y) * w + x) * c + ch]
    };
    // Flips: each image is itself or its mirror; horizontal_and_vertical turns it 180°.
    let (n, h, w, c) = (64, 3, 4, 2);
    let x: Vec<f32> = (0..n * h * w * c).map(|i| i as f32).collect();
    for (hor, ver) in [(true, false), (false, true), (true, true)] {
        let t = Transform::Flip {
            horizontal: hor,
            vertical: ver,
        };
        let y = run(
            &aug(t, FillMode::Reflect, Interpolation::Nearest),
            &x,
            (n, h, w, c),
        );
        let mut flipped = 0;
        for s in 0..n {
            let same = (0..h * w * c).all(|i| y[s * h * w * c + i] == x[s * h * w * c + i]);
            let mirror = (0..h).all(|r| {
                (0..w).all(|q| {
                    (0..c).all(|ch| {
                        let (sr, sq) = (
                            if ver { h - 1 - r } else { r },
                            if hor { w - 1 - q } else { q },
                        );
                        at(&y, (h, w, c), s, r, q, ch) == at(&x, (h, w, c), s, sr, sq, ch)
                    })
                })
            });
            assert!(
                same ^ mirror,
                "image {s} neither itself nor flipped ({hor}, {ver})"
            );
            flipped += mirror as usize;
        }
        assert!((16..=48).contains(&flipped), "{flipped} of 64 flipped");
    }
    // A quarter turn (counter-clockwise, as Keras): out[y][x] = in[x][side − 1 − y].
    for side in [1, 4, 7] {
        let dims = (3, side, side, 3);
        let x: Vec<f32> = (0..3 * side * side * 3).map(|i| i as f32 * 0.5).collect();
        for interp in INTERPOLATIONS {
            let a = aug(
                Transform::Rotate {
                    turns: (0.25, 0.25),
                },
                FillMode::Constant,
                interp,
            );
            let y = run(&a, &x, dims);
            for s in 0..3 {
                for r in 0..side {
                    for q in 0..side {
                        for ch in 0..3 {
                            let want = at(&x, (side, side, 3), s, q, side - 1 - r, ch);
                            assert_eq!(at(&y, (side, side, 3), s, r, q, ch), want);
                        }
                    }
                }
            }
        }
    }
    // Zero zoom and zero shift: the identity, for every fill and interpolation.
    let dims = (2, 7, 5, 3);
    let x = randn(3, 2 * 7 * 5 * 3, 4.0);
    for fill in FILLS {
        for interp in INTERPOLATIONS {
            for t in [
                Transform::Zoom {
                    height: (0.0, 0.0),
                    width: Some((0.0, 0.0)),
                },
                Transform::Translate {
                    height: (0.0, 0.0),
                    width: (0.0, 0.0),
                },
            ] {
                assert_eq!(run(&aug(t, fill, interp), &x, dims), x, "{t:?}");
            }
        }
    }
    // A shift right by 2 whole pixels (width factor 2/7) of one 1×7 row 0..7.
    let row: Vec<f32> = (0..7).map(|i| i as f32).collect();
    let shift = |fill| {
        let t = Transform::Translate {
            height: (0.0, 0.0),
            width: (2.0 / 7.0, 2.0 / 7.0),
        };
        run(&aug(t, fill, Interpolation::Bilinear), &row, (1, 1, 7, 1))
    };
    assert_eq!(shift(FillMode::Reflect), [1., 0., 0., 1., 2., 3., 4.]);
    assert_eq!(shift(FillMode::Wrap), [5., 6., 0., 1., 2., 3., 4.]);
    assert_eq!(shift(FillMode::Constant), [2.5, 2.5, 0., 1., 2., 3., 4.]);
    assert_eq!(shift(FillMode::Nearest), [0., 0., 0., 1., 2., 3., 4.]);
    // Half a pixel (1/8 of 4 columns) bilinear: the mean of a pixel and its left one.
    let row = [1.0f32, 3.0, 7.0, 15.0];
    let t = Transform::Translate {
        height: (0.0, 0.0),
        width: (0.125, 0.125),
    };
    let y = run(
        &aug(t, FillMode::Reflect, Interpolation::Bilinear),
        &row,
        (1, 1, 4, 1),
    );
    assert_eq!(y, [1.0, 2.0, 5.0, 11.0]);
    // Nearest at exactly half a pixel rounds away from zero (as JAX): x − 0.5 reads x for
    // x ≥ 1, and −0.5 reads −1, reflected to 0.
    let y = run(
        &aug(t, FillMode::Reflect, Interpolation::Nearest),
        &row,
        (1, 1, 4, 1),
    );
    assert_eq!(y, row);
}

/// The integer sine and cosine are within one 2^-16 step of f64's, over the circle.
#[test]
fn fixed_point_rotation_is_accurate() {
    for k in 0..4096u64 {
        let t = (k * (1 << 32) / 4096 + k * 7919) as u32;
        let angle = t as f64 / 4294967296.0 * std::f64::consts::TAU;
        let (c, s) = cos_sin(t);
        assert!(
            (c as f64 / 65536.0 - angle.cos()).abs() <= 0.6 / 65536.0,
            "cos {angle}"
        );
        assert!(
            (s as f64 / 65536.0 - angle.sin()).abs() <= 0.6 / 65536.0,
            "sin {angle}"
        );
    }
    assert_eq!(cos_sin(1 << 30), (0, 65536));
    assert_eq!(cos_sin(0), (65536, 0));
}
