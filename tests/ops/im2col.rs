//! im2col and col2im for Conv2D (`shaders/im2col.wgsl`), and a convolution built from them.

use crate::prelude::*;

/// Conv geometries: odd sizes, strides, both paddings, and channel counts that take the
/// scalar (C % 4 ≠ 0) and the vec4 (C % 4 == 0) kernels.
fn conv_geometries() -> Vec<Conv2dGeometry> {
    let mut v = Vec::new();
    // (n, h, w, c, k, stride, padding)
    let cases = [
        (1, 1, 1, 1, 1, 1, Padding::Valid),
        (2, 7, 7, 3, 3, 1, Padding::Valid),
        (2, 7, 5, 3, 3, 2, Padding::Same),
        (1, 8, 8, 2, 2, 2, Padding::Same),
        (3, 13, 13, 7, 3, 1, Padding::Same),
        (2, 9, 11, 4, 5, 3, Padding::Valid),
        (2, 10, 10, 1, 4, 3, Padding::Same),
        (4, 28, 28, 1, 3, 1, Padding::Valid),
        (1, 33, 33, 2, 3, 2, Padding::Same),
        // C % 4 == 0 takes the vec4-over-channels kernels.
        (2, 7, 7, 4, 3, 1, Padding::Valid),
        (3, 13, 13, 8, 3, 2, Padding::Same),
        (2, 11, 9, 12, 4, 3, Padding::Same),
        (2, 13, 13, 32, 3, 1, Padding::Valid),
    ];
    for (n, h, w, c, k, s, p) in cases {
        v.push(Conv2dGeometry::new(n, h, w, c, (k, k), (s, s), p).unwrap());
    }
    v.push(Conv2dGeometry::new(2, 9, 12, 3, (2, 3), (1, 2), Padding::Same).unwrap());
    v
}

#[test]
fn im2col_forward_and_col2im_backward() {
    let Some(g) = gpu() else { return };
    for (i, geo) in conv_geometries().into_iter().enumerate() {
        let x = randn(i as u64, geo.input_len(), 10.0);
        let gx = g.upload(&[geo.n, geo.h, geo.w, geo.c], &x).unwrap();
        let cols = ops::im2col_forward(g, &gx, &geo).unwrap();
        assert_close(
            &format!("im2col_forward {geo:?}"),
            &g.download(&cols).unwrap(),
            &cpu::im2col_forward(&x, &geo),
            0.0,
            0.0,
        );
        let dcols = randn(i as u64 + 100, geo.col_rows() * geo.col_cols(), 10.0);
        let gd = g.upload(&[geo.col_rows(), geo.col_cols()], &dcols).unwrap();
        let dx = ops::im2col_backward(g, &gd, &geo).unwrap();
        let taps = geo.kh * geo.kw;
        assert_close(
            &format!("im2col_backward {geo:?}"),
            &g.download(&dx).unwrap(),
            &cpu::im2col_backward(&dcols, &geo),
            sum_atol(taps, 10.0),
            1e-6,
        );
    }
}

/// Conv2D = im2col + matmul on the GPU equals a direct 7-loop convolution, and its
/// backward (dW = colsᵀ·dY, dX = col2im(dY·Wᵀ)) equals the direct adjoint.
#[test]
fn conv2d_by_im2col_matches_direct_convolution() {
    let Some(g) = gpu() else { return };
    for (i, geo) in conv_geometries().into_iter().enumerate() {
        let f = 5;
        let x = randn(i as u64, geo.input_len(), 4.0);
        let w = randn(i as u64 + 1, geo.col_cols() * f, 4.0);
        let gx = g.upload(&[geo.n, geo.h, geo.w, geo.c], &x).unwrap();
        let gw = g.upload(&[geo.col_cols(), f], &w).unwrap();
        let cols = ops::im2col_forward(g, &gx, &geo).unwrap();
        let y = ops::matmul(g, &cols, &gw, None, Layout::NN, false).unwrap();

        let mut direct = vec![0f64; geo.col_rows() * f];
        let mut dw_direct = vec![0f64; w.len()];
        let mut dx_direct = vec![0f64; x.len()];
        let dy = randn(i as u64 + 2, geo.col_rows() * f, 4.0);
        for n in 0..geo.n {
            for oy in 0..geo.oh {
                for ox in 0..geo.ow {
                    let o = (n * geo.oh + oy) * geo.ow + ox;
                    for ky in 0..geo.kh {
                        for kx in 0..geo.kw {
                            let iy = (oy * geo.sh + ky) as isize - geo.pad_top as isize;
                            let ix = (ox * geo.sw + kx) as isize - geo.pad_left as isize;
                            if iy < 0 || ix < 0 || iy as usize >= geo.h || ix as usize >= geo.w {
                                continue;
                            }
                            for c in 0..geo.c {
                                let xi =
                                    ((n * geo.h + iy as usize) * geo.w + ix as usize) * geo.c + c;
                                for fi in 0..f {
                                    let wi = ((ky * geo.kw + kx) * geo.c + c) * f + fi;
                                    direct[o * f + fi] += x[xi] as f64 * w[wi] as f64;
                                    dw_direct[wi] += x[xi] as f64 * dy[o * f + fi] as f64;
                                    dx_direct[xi] += w[wi] as f64 * dy[o * f + fi] as f64;
                                }
                            }
                        }
                    }
                }
            }
        }
        let to32 = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect::<Vec<_>>();
        let k = geo.col_cols();
        assert_close(
            &format!("conv2d forward {geo:?}"),
            &g.download(&y).unwrap(),
            &to32(direct),
            sum_atol(k, 16.0),
            1e-5,
        );

        let gdy = g.upload(&[geo.col_rows(), f], &dy).unwrap();
        let dw = ops::matmul(g, &cols, &gdy, None, Layout::TN, false).unwrap();
        let dcols = ops::matmul(g, &gdy, &gw, None, Layout::NT, false).unwrap();
        let dx = ops::im2col_backward(g, &dcols, &geo).unwrap();
        assert_close(
            &format!("conv2d dW {geo:?}"),
            &g.download(&dw).unwrap(),
            &to32(dw_direct),
            sum_atol(geo.col_rows(), 16.0),
            1e-5,
        );
        assert_close(
            &format!("conv2d dX {geo:?}"),
            &g.download(&dx).unwrap(),
            &to32(dx_direct),
            sum_atol(f * geo.kh * geo.kw, 16.0),
            1e-5,
        );
    }
}

#[test]
fn col2im_is_the_adjoint_of_im2col() {
    let cases = [
        Conv2dGeometry::new(2, 5, 6, 3, (3, 3), (1, 1), Padding::Valid).unwrap(),
        Conv2dGeometry::new(1, 7, 5, 2, (3, 3), (2, 2), Padding::Same).unwrap(),
        Conv2dGeometry::new(1, 6, 6, 1, (4, 2), (3, 1), Padding::Same).unwrap(),
    ];
    for g in cases {
        let x = rand64(12, g.input_len());
        let w = rand64(13, g.col_rows() * g.col_cols());
        check(
            &format!("im2col_backward {g:?}"),
            &x,
            &cpu::im2col_backward(&w, &g),
            |x| dot(&w, &cpu::im2col_forward(x, &g)),
        );
    }
}
