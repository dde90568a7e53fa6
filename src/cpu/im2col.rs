//! CPU twin of `shaders/im2col.wgsl`: im2col for NHWC Conv2D and its adjoint col2im.

use super::Scalar;
use crate::geometry::Conv2dGeometry;

/// x[n,h,w,c] → cols[n·oh·ow, kh·kw·c] (column order ky, kx, c), zeros over the padding.
pub fn im2col_forward<T: Scalar>(x: &[T], g: &Conv2dGeometry) -> Vec<T> {
    assert_eq!(x.len(), g.input_len(), "im2col_forward: x");
    let mut cols = Vec::with_capacity(g.col_rows() * g.col_cols());
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                for ky in 0..g.kh {
                    for kx in 0..g.kw {
                        let iy = (oy * g.sh + ky) as isize - g.pad_top as isize;
                        let ix = (ox * g.sw + kx) as isize - g.pad_left as isize;
                        let inside =
                            iy >= 0 && ix >= 0 && (iy as usize) < g.h && (ix as usize) < g.w;
                        for c in 0..g.c {
                            cols.push(if inside {
                                x[((n * g.h + iy as usize) * g.w + ix as usize) * g.c + c]
                            } else {
                                T::default()
                            });
                        }
                    }
                }
            }
        }
    }
    cols
}

/// dcols[n·oh·ow, kh·kw·c] → dx[n,h,w,c]: the adjoint of `im2col_forward` (col2im).
pub fn im2col_backward<T: Scalar>(dcols: &[T], g: &Conv2dGeometry) -> Vec<T> {
    assert_eq!(
        dcols.len(),
        g.col_rows() * g.col_cols(),
        "im2col_backward: dcols"
    );
    let mut dx = vec![0f64; g.input_len()];
    let mut i = 0;
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                for ky in 0..g.kh {
                    for kx in 0..g.kw {
                        let iy = (oy * g.sh + ky) as isize - g.pad_top as isize;
                        let ix = (ox * g.sw + kx) as isize - g.pad_left as isize;
                        let inside =
                            iy >= 0 && ix >= 0 && (iy as usize) < g.h && (ix as usize) < g.w;
                        for c in 0..g.c {
                            if inside {
                                dx[((n * g.h + iy as usize) * g.w + ix as usize) * g.c + c] +=
                                    dcols[i].to_f64();
                            }
                            i += 1;
                        }
                    }
                }
            }
        }
    }
    dx.into_iter().map(T::from_f64).collect()
}
