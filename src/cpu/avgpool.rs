//! CPU twin of `shaders/avgpool.wgsl`: 2-D average pooling in NHWC ('valid' windows).

use super::Scalar;
use crate::geometry::Pool2dGeometry;

/// `x[n,h,w,c]` → `y[n,oh,ow,c]`, each the mean of its ph × pw window
pub fn avgpool_forward<T: Scalar>(x: &[T], g: &Pool2dGeometry) -> Vec<T> {
    assert_eq!(x.len(), g.input_len(), "avgpool_forward: x");
    let area = (g.ph * g.pw) as f64;
    let mut y = Vec::with_capacity(g.output_len());
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                for c in 0..g.c {
                    let mut s = 0.0;
                    for ky in 0..g.ph {
                        for kx in 0..g.pw {
                            let src = ((n * g.h + oy * g.sh + ky) * g.w + ox * g.sw + kx) * g.c + c;
                            s += x[src].to_f64();
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
    let area = (g.ph * g.pw) as f64;
    let mut dx = vec![0f64; g.input_len()];
    let mut o = 0;
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                for c in 0..g.c {
                    for ky in 0..g.ph {
                        for kx in 0..g.pw {
                            let dst = ((n * g.h + oy * g.sh + ky) * g.w + ox * g.sw + kx) * g.c + c;
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
