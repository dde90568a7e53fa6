//! CPU twin of `shaders/avgpool.wgsl`: 2-D average pooling in NHWC (with 'same' padding,
//! each window's mean over its cells inside the input, as TensorFlow and Keras).

use super::Scalar;
use crate::geometry::Pool2dGeometry;

/// The input cells of window (oy, ox): rows [r0, r1), columns [c0, c1), and their count.
fn cells(g: &Pool2dGeometry, oy: usize, ox: usize) -> ((usize, usize), (usize, usize), f64) {
    let rows = Pool2dGeometry::window(oy, g.ph, g.sh, g.pad_top, g.h);
    let cols = Pool2dGeometry::window(ox, g.pw, g.sw, g.pad_left, g.w);
    (rows, cols, ((rows.1 - rows.0) * (cols.1 - cols.0)) as f64)
}

/// `x[n,h,w,c]` → `y[n,oh,ow,c]`, each the mean of its window's cells
pub fn avgpool_forward<T: Scalar>(x: &[T], g: &Pool2dGeometry) -> Vec<T> {
    assert_eq!(x.len(), g.input_len(), "avgpool_forward: x");
    let mut y = Vec::with_capacity(g.output_len());
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let (rows, cols, area) = cells(g, oy, ox);
                for c in 0..g.c {
                    let mut s = 0.0;
                    for iy in rows.0..rows.1 {
                        for ix in cols.0..cols.1 {
                            s += x[((n * g.h + iy) * g.w + ix) * g.c + c].to_f64();
                        }
                    }
                    y.push(T::from_f64(s / area));
                }
            }
        }
    }
    y
}

/// `dy[n,oh,ow,c]` → `dx[n,h,w,c]`: each dy spread evenly over its window (the adjoint)
pub fn avgpool_backward<T: Scalar>(dy: &[T], g: &Pool2dGeometry) -> Vec<T> {
    assert_eq!(dy.len(), g.output_len(), "avgpool_backward: dy");
    let mut dx = vec![0f64; g.input_len()];
    let mut o = 0;
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let (rows, cols, area) = cells(g, oy, ox);
                for c in 0..g.c {
                    for iy in rows.0..rows.1 {
                        for ix in cols.0..cols.1 {
                            let dst = ((n * g.h + iy) * g.w + ix) * g.c + c;
                            dx[dst] += dy[o].to_f64() / area;
                        }
                    }
                    o += 1;
                }
            }
        }
    }
    dx.into_iter().map(T::from_f64).collect()
}
