//! CPU twin of `shaders/pad2d.wgsl`: zero padding of an NHWC batch and its backward, the
//! crop.

use super::Scalar;
use crate::geometry::Pad2dGeometry;

/// `x[n,h,w,c]` → `y[n,oh,ow,c]`: x at rows top.., columns left.., zeros elsewhere
pub fn pad2d_forward<T: Scalar>(x: &[T], g: &Pad2dGeometry) -> Vec<T> {
    assert_eq!(x.len(), g.input_len(), "pad2d_forward: x");
    let mut y = vec![T::from_f64(0.0); g.output_len()];
    for n in 0..g.n {
        for iy in 0..g.h {
            for ix in 0..g.w {
                for c in 0..g.c {
                    let dst = ((n * g.oh + iy + g.top) * g.ow + ix + g.left) * g.c + c;
                    y[dst] = x[((n * g.h + iy) * g.w + ix) * g.c + c];
                }
            }
        }
    }
    y
}

/// `dy[n,oh,ow,c]` → `dx[n,h,w,c]`: the part of dy over the input (the padding's adjoint)
pub fn pad2d_backward<T: Scalar>(dy: &[T], g: &Pad2dGeometry) -> Vec<T> {
    assert_eq!(dy.len(), g.output_len(), "pad2d_backward: dy");
    let mut dx = Vec::with_capacity(g.input_len());
    for n in 0..g.n {
        for iy in 0..g.h {
            for ix in 0..g.w {
                for c in 0..g.c {
                    dx.push(dy[((n * g.oh + iy + g.top) * g.ow + ix + g.left) * g.c + c]);
                }
            }
        }
    }
    dx
}
