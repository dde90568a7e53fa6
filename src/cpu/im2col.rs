//! CPU twin of `shaders/im2col.wgsl`: im2col for NHWC Conv2D and its adjoint col2im.

use super::Scalar;
use crate::geometry::Conv2dGeometry;

/// Every entry of the cols matrix in order (row n·oh·ow, then ky, kx, c) with the index
/// of the x element it holds, or `None` where the window hangs over the padding.
fn for_each_tap(g: &Conv2dGeometry, mut f: impl FnMut(usize, Option<usize>)) {
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
                        let base =
                            ((n * g.h + iy.max(0) as usize) * g.w + ix.max(0) as usize) * g.c;
                        for c in 0..g.c {
                            f(i, inside.then_some(base + c));
                            i += 1;
                        }
                    }
                }
            }
        }
    }
}

/// `x[n,h,w,c]` → `cols[n·oh·ow, kh·kw·c]` (column order ky, kx, c), zeros over the padding.
pub fn im2col_forward<T: Scalar>(x: &[T], g: &Conv2dGeometry) -> Vec<T> {
    assert_eq!(x.len(), g.input_len(), "im2col_forward: x");
    let mut cols = vec![T::default(); g.col_rows() * g.col_cols()];
    for_each_tap(g, |i, src| {
        if let Some(s) = src {
            cols[i] = x[s];
        }
    });
    cols
}

/// `dcols[n·oh·ow, kh·kw·c]` → `dx[n,h,w,c]`: the adjoint of `im2col_forward` (col2im).
pub fn im2col_backward<T: Scalar>(dcols: &[T], g: &Conv2dGeometry) -> Vec<T> {
    assert_eq!(
        dcols.len(),
        g.col_rows() * g.col_cols(),
        "im2col_backward: dcols"
    );
    let mut dx = vec![0f64; g.input_len()];
    for_each_tap(g, |i, dst| {
        if let Some(d) = dst {
            dx[d] += dcols[i].to_f64();
        }
    });
    dx.into_iter().map(T::from_f64).collect()
}
