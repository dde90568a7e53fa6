//! CPU twin of `shaders/maxpool.wgsl`: 2-D max-pooling with argmax, and its gradient
//! (with 'same' padding, the windows' cells outside the input are skipped).

use super::Scalar;
use crate::geometry::Pool2dGeometry;

/// `x[n,h,w,c]` → (`y[n,oh,ow,c]`, `argmax[n,oh,ow,c]` = flat index into x; first max on
/// ties, over the window's cells inside the input)
pub fn maxpool_forward<T: Scalar>(x: &[T], g: &Pool2dGeometry) -> (Vec<T>, Vec<u32>) {
    assert_eq!(x.len(), g.input_len(), "maxpool_forward: x");
    let mut y = Vec::with_capacity(g.output_len());
    let mut arg = Vec::with_capacity(g.output_len());
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                for c in 0..g.c {
                    let mut best_i = usize::MAX;
                    let rows = Pool2dGeometry::window(oy, g.ph, g.sh, g.pad_top, g.h);
                    let cols = Pool2dGeometry::window(ox, g.pw, g.sw, g.pad_left, g.w);
                    for iy in rows.0..rows.1 {
                        for ix in cols.0..cols.1 {
                            let src = ((n * g.h + iy) * g.w + ix) * g.c + c;
                            if best_i == usize::MAX || x[src] > x[best_i] {
                                best_i = src;
                            }
                        }
                    }
                    y.push(x[best_i]);
                    arg.push(best_i as u32);
                }
            }
        }
    }
    (y, arg)
}

/// `dy[n,oh,ow,c]`, argmax → `dx[n,h,w,c]`: each dy goes to the input that won its window.
pub fn maxpool_backward<T: Scalar>(dy: &[T], argmax: &[u32], g: &Pool2dGeometry) -> Vec<T> {
    assert_eq!(dy.len(), g.output_len(), "maxpool_backward: dy");
    assert_eq!(argmax.len(), g.output_len(), "maxpool_backward: argmax");
    let mut dx = vec![0f64; g.input_len()];
    for (d, &a) in dy.iter().zip(argmax) {
        dx[a as usize] += d.to_f64();
    }
    dx.into_iter().map(T::from_f64).collect()
}
