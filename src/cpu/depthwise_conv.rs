//! CPU twin of `shaders/depthwise_conv.wgsl`: the depthwise convolution of an NHWC batch
//! (Keras's DepthwiseConv2D), its input gradient and its kernel gradient. Output channel
//! `ch·dm + m` is input channel `ch` through kernel `w[.., .., ch, m]`.

use super::Scalar;
use crate::geometry::DepthwiseGeometry;

/// The input row (column) of output row `o` at kernel row `k`, if inside the input.
fn source(o: usize, k: usize, s: usize, pad: usize, size: usize) -> Option<usize> {
    (o * s + k).checked_sub(pad).filter(|&i| i < size)
}

/// `x[n,h,w,c]`, `w[kh,kw,c,dm]`, `bias[c·dm]` (optional) → `y[n,oh,ow,c·dm]`
/// = Σ_{ky,kx} `x[n, oy·sh + ky − pad_top, ox·sw + kx − pad_left, ch]·w[ky,kx,ch,m]`
/// (+ bias, then max(·, 0) with `relu`)
pub fn depthwise_conv_forward<T: Scalar>(
    x: &[T],
    w: &[T],
    bias: Option<&[T]>,
    g: &DepthwiseGeometry,
    relu: bool,
) -> Vec<T> {
    let (c, dm, cv) = (g.conv.c, g.depth_multiplier, &g.conv);
    assert_eq!(x.len(), g.input_len(), "depthwise_conv_forward: x");
    assert_eq!(w.len(), g.kernel_len(), "depthwise_conv_forward: w");
    if let Some(b) = bias {
        assert_eq!(b.len(), c * dm, "depthwise_conv_forward: bias");
    }
    let mut y = Vec::with_capacity(g.output_len());
    for n in 0..cv.n {
        for oy in 0..cv.oh {
            for ox in 0..cv.ow {
                for ch in 0..c {
                    for m in 0..dm {
                        let mut acc = bias.map_or(0.0, |b| b[ch * dm + m].to_f64());
                        for ky in 0..cv.kh {
                            let Some(iy) = source(oy, ky, cv.sh, cv.pad_top, cv.h) else {
                                continue;
                            };
                            for kx in 0..cv.kw {
                                let Some(ix) = source(ox, kx, cv.sw, cv.pad_left, cv.w) else {
                                    continue;
                                };
                                let xv = x[((n * cv.h + iy) * cv.w + ix) * c + ch].to_f64();
                                acc += xv * w[((ky * cv.kw + kx) * c + ch) * dm + m].to_f64();
                            }
                        }
                        y.push(T::from_f64(if relu { acc.max(0.0) } else { acc }));
                    }
                }
            }
        }
    }
    y
}

/// `dy[n,oh,ow,c·dm]`, `w[kh,kw,c,dm]` → `dx[n,h,w,c]`: each output's gradient times its
/// kernel weight, added to the input it read
pub fn depthwise_conv_backward<T: Scalar>(dy: &[T], w: &[T], g: &DepthwiseGeometry) -> Vec<T> {
    let (c, dm, cv) = (g.conv.c, g.depth_multiplier, &g.conv);
    assert_eq!(dy.len(), g.output_len(), "depthwise_conv_backward: dy");
    assert_eq!(w.len(), g.kernel_len(), "depthwise_conv_backward: w");
    let mut dx = vec![0f64; g.input_len()];
    each_tap(g, |n, (oy, ox), (ky, kx), (iy, ix)| {
        for ch in 0..c {
            let d = ((n * cv.oh + oy) * cv.ow + ox) * c * dm + ch * dm;
            let k = ((ky * cv.kw + kx) * c + ch) * dm;
            let s: f64 = (0..dm)
                .map(|m| dy[d + m].to_f64() * w[k + m].to_f64())
                .sum();
            dx[((n * cv.h + iy) * cv.w + ix) * c + ch] += s;
        }
    });
    dx.into_iter().map(T::from_f64).collect()
}

/// `x[n,h,w,c]`, `dy[n,oh,ow,c·dm]` → `dw[kh,kw,c,dm]` = Σ_{n,oy,ox} x·dy over the
/// positions where the tap is inside the input
pub fn depthwise_conv_weight_grad<T: Scalar>(x: &[T], dy: &[T], g: &DepthwiseGeometry) -> Vec<T> {
    let (c, dm, cv) = (g.conv.c, g.depth_multiplier, &g.conv);
    assert_eq!(x.len(), g.input_len(), "depthwise_conv_weight_grad: x");
    assert_eq!(dy.len(), g.output_len(), "depthwise_conv_weight_grad: dy");
    let mut dw = vec![0f64; g.kernel_len()];
    each_tap(g, |n, (oy, ox), (ky, kx), (iy, ix)| {
        for ch in 0..c {
            let xv = x[((n * cv.h + iy) * cv.w + ix) * c + ch].to_f64();
            let d = ((n * cv.oh + oy) * cv.ow + ox) * c * dm + ch * dm;
            let k = ((ky * cv.kw + kx) * c + ch) * dm;
            for m in 0..dm {
                dw[k + m] += xv * dy[d + m].to_f64();
            }
        }
    });
    dw.into_iter().map(T::from_f64).collect()
}

/// Calls `f(n, (oy, ox), (ky, kx), (iy, ix))` for every output position and kernel tap
/// that reads an input cell (not the padding).
fn each_tap(
    g: &DepthwiseGeometry,
    mut f: impl FnMut(usize, (usize, usize), (usize, usize), (usize, usize)),
) {
    let cv = &g.conv;
    for n in 0..cv.n {
        for oy in 0..cv.oh {
            for ox in 0..cv.ow {
                for ky in 0..cv.kh {
                    let Some(iy) = source(oy, ky, cv.sh, cv.pad_top, cv.h) else {
                        continue;
                    };
                    for kx in 0..cv.kw {
                        if let Some(ix) = source(ox, kx, cv.sw, cv.pad_left, cv.w) {
                            f(n, (oy, ox), (ky, kx), (iy, ix));
                        }
                    }
                }
            }
        }
    }
}
