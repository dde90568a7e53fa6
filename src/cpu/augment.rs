//! CPU twin of `shaders/augment.wgsl`: Keras's RandomFlip, RandomTranslation,
//! RandomRotation and RandomZoom as one inverse affine map per image.
//!
//! Output pixel (x, y) reads the input at X = a0·x + a1·y + a2, Y = b0·x + b1·y + b2 (pixel
//! centres at whole numbers, as Keras's `affine_transform` with JAX's `map_coordinates`),
//! nearest (rounded half away from zero) or bilinear, outside the image filled as
//! reflect (d c b a | a b c d | d c b a), wrap, constant (`fill_value`) or nearest.
//! Each image's parameters are drawn from dropout's PCG hash of (seed, step, 2·image +
//! draw), and every coordinate is fixed-point integer arithmetic (16 fraction bits; sine
//! and cosine by an integer polynomial), so the GPU and this twin read the same source
//! pixels with the same weights bit for bit, whatever either does with f32 rounding.

use super::dropout::pcg;
use super::Scalar;

/// The largest image height or width the augmentation ops take (keeps the fixed-point
/// coordinates within i32).
pub const MAX_SIDE: usize = 4096;

/// One: 16 fraction bits.
const ONE: i32 = 1 << 16;

/// The random transform of an augmentation layer; ranges are (low, high) as Keras
/// normalises its factors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Transform {
    /// Flip left-right and/or top-bottom, each image with probability 1/2 (both axes
    /// together on one draw, as Keras's "horizontal_and_vertical").
    Flip {
        /// Left-right.
        horizontal: bool,
        /// Top-bottom.
        vertical: bool,
    },
    /// Shift by a fraction of the height and width drawn from each range.
    Translate {
        /// Fraction of the height.
        height: (f32, f32),
        /// Fraction of the width.
        width: (f32, f32),
    },
    /// Rotate about the centre by a fraction of a full turn drawn from the range
    /// (positive: counter-clockwise, as Keras).
    Rotate {
        /// Fraction of 2π.
        turns: (f32, f32),
    },
    /// Zoom by 1 + a drawn factor (positive: zoom out, as Keras); `width` None keeps the
    /// aspect ratio (the height's draw).
    Zoom {
        /// Vertical factor range.
        height: (f32, f32),
        /// Horizontal factor range, or the height's draw.
        width: Option<(f32, f32)>,
    },
}

/// How points outside the input are filled (Keras's `fill_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FillMode {
    /// d c b a | a b c d | d c b a.
    Reflect = 0,
    /// a b c d | a b c d | a b c d.
    Wrap = 1,
    /// k k k k | a b c d | k k k k.
    Constant = 2,
    /// a a a a | a b c d | d d d d.
    Nearest = 3,
}

/// Keras's `interpolation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    /// The nearest pixel.
    Nearest = 0,
    /// The four nearest pixels, weighted.
    Bilinear = 1,
}

/// An augmentation: the transform and how it samples the input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augment {
    /// What is drawn per image.
    pub transform: Transform,
    /// Outside the input.
    pub fill_mode: FillMode,
    /// Between pixels.
    pub interpolation: Interpolation,
    /// The constant for `FillMode::Constant`.
    pub fill_value: f32,
}

/// A real number in fixed point with `bits` fraction bits (rounded; saturating).
fn fixed(v: f64, bits: u32) -> i64 {
    (v * (1u64 << bits) as f64).round() as i64
}

/// lo and span of a draw range in fixed point.
fn range(r: (f32, f32), scale: f64, offset: f64, bits: u32) -> [u32; 2] {
    let lo = fixed(r.0 as f64 * scale + offset, bits);
    let hi = fixed(r.1 as f64 * scale + offset, bits);
    [lo as i32 as u32, (hi - lo).clamp(0, u32::MAX as i64) as u32]
}

impl Augment {
    /// The kernel's uniform block for `(n, h, w, c)` images: count, h, w, c, seed, kind,
    /// flags, fill, interpolation, fill value bits, (lo, span) of two draws, planes n·c.
    pub fn params(&self, (n, h, w, c): (usize, usize, usize, usize), seed: u32) -> [u32; 16] {
        let (kind, flags, r0, r1) = match self.transform {
            Transform::Flip {
                horizontal,
                vertical,
            } => (
                0,
                horizontal as u32 | (vertical as u32) << 1,
                [0; 2],
                [0; 2],
            ),
            Transform::Translate { height, width } => (
                1,
                0,
                range(height, h as f64, 0.0, 16),
                range(width, w as f64, 0.0, 16),
            ),
            // The angle in 2^-30 turns (|turns| ≤ 1 fits an i32).
            Transform::Rotate { turns } => (2, 0, range(turns, 1.0, 0.0, 30), [0; 2]),
            Transform::Zoom { height, width } => (
                3,
                (width.is_none() as u32) << 2,
                range(height, 1.0, 1.0, 16),
                range(width.unwrap_or(height), 1.0, 1.0, 16),
            ),
        };
        [
            (n * h * w * c) as u32,
            h as u32,
            w as u32,
            c as u32,
            seed,
            kind,
            flags,
            self.fill_mode as u32,
            self.interpolation as u32,
            self.fill_value.to_bits(),
            r0[0],
            r0[1],
            r1[0],
            r1[1],
            (n * c) as u32,
            0,
        ]
    }
}

/// The high 32 bits of a·b (the shader builds it from 16-bit halves).
pub fn mulhi(a: u32, b: u32) -> u32 {
    ((a as u64 * b as u64) >> 32) as u32
}

/// a·b / 2^31 (truncated), for a, b ≤ 2^31.
fn mul31(a: u32, b: u32) -> u32 {
    (mulhi(a, b) << 1) | (a.wrapping_mul(b) >> 31)
}

/// (cos, sin) of y = π·v / 2^31 ∈ [0, π/4] in Q31, by Taylor polynomials (error ≈ 1e-8).
fn cos_sin_octant(v: u32) -> (u32, u32) {
    let y = v;
    let y2 = mul31(y, y);
    let k = |d: u32| (1u32 << 31) / d;
    let mut c = k(40320);
    for d in [720, 24, 2] {
        c = k(d) - mul31(y2, c);
    }
    c = (1u32 << 31) - mul31(y2, c);
    let mut s = k(362880);
    for d in [5040, 120, 6] {
        s = k(d) - mul31(y2, s);
    }
    s = mul31(y, (1u32 << 31) - mul31(y2, s));
    (c, s)
}

/// (cos, sin) in Q16 of the angle `t` / 2^32 turns.
pub fn cos_sin(t: u32) -> (i32, i32) {
    let quadrant = t >> 30;
    let r = t & 0x3fff_ffff;
    // The angle 2π·r / 2^32 = π·r / 2^31: in Q31 it is r·π = (4r · π·2^30) / 2^32.
    let octant = |r: u32| cos_sin_octant(mulhi(r << 2, 3_373_259_426));
    let (c, s) = if r > 1 << 29 {
        let (c, s) = octant((1 << 30) - r);
        (s, c)
    } else {
        octant(r)
    };
    let q16 = |v: u32| ((v + (1 << 14)) >> 15) as i32;
    let (c, s) = (q16(c), q16(s));
    match quadrant {
        0 => (c, s),
        1 => (-s, c),
        2 => (-c, -s),
        _ => (s, -c),
    }
}

/// The draw `d` (0 or 1) of image `s` at counter value `step`.
fn draw(p: &[u32; 16], step: u32, s: u32, d: u32) -> u32 {
    pcg(pcg(p[4] ^ pcg(step)) ^ s.wrapping_mul(2).wrapping_add(d))
}

/// lo + (draw · span) / 2^32, in the range's fixed point.
fn ranged(h: u32, lo: u32, span: u32) -> i32 {
    (lo as i32).wrapping_add(mulhi(h, span) as i32)
}

/// Image `s`'s inverse map [a0, a1, a2, b0, b1, b2] (Q16) at counter value `step`.
pub fn image_matrix(p: &[u32; 16], step: u32, s: u32) -> [i32; 6] {
    let (h, w) = (p[1] as i32, p[2] as i32);
    let mut m = [ONE, 0, 0, 0, ONE, 0];
    match p[5] {
        0 => {
            if draw(p, step, s, 0) < 1 << 31 {
                if p[6] & 1 != 0 {
                    (m[0], m[2]) = (-ONE, (w - 1) << 16);
                }
                if p[6] & 2 != 0 {
                    (m[4], m[5]) = (-ONE, (h - 1) << 16);
                }
            }
        }
        1 => {
            m[5] = ranged(draw(p, step, s, 0), p[10], p[11]).wrapping_neg();
            m[2] = ranged(draw(p, step, s, 1), p[12], p[13]).wrapping_neg();
        }
        2 => {
            let turn = ranged(draw(p, step, s, 0), p[10], p[11]) as u32;
            let (c, sn) = cos_sin(turn << 2);
            m = [
                c,
                -sn,
                ((w - 1) * (ONE - c) + (h - 1) * sn) >> 1,
                sn,
                c,
                ((h - 1) * (ONE - c) - (w - 1) * sn) >> 1,
            ];
        }
        _ => {
            let zy = ranged(draw(p, step, s, 0), p[10], p[11]);
            let zx = if p[6] & 4 != 0 {
                zy
            } else {
                ranged(draw(p, step, s, 1), p[12], p[13])
            };
            m = [
                zx,
                0,
                ((w - 1) * (ONE - zx)) >> 1,
                0,
                zy,
                ((h - 1) * (ONE - zy)) >> 1,
            ];
        }
    }
    m
}

/// The input index a virtual index `i` reads on an axis of `size` under `fill`, or None
/// (the constant).
fn fix(i: i32, size: i32, fill: u32) -> Option<i32> {
    match fill {
        0 => {
            let m = i.rem_euclid(2 * size);
            Some(if m >= size { 2 * size - 1 - m } else { m })
        }
        1 => Some(i.rem_euclid(size)),
        2 => (0..size).contains(&i).then_some(i),
        _ => Some(i.clamp(0, size - 1)),
    }
}

/// The up to four (input pixel index h·w-plane offset or None for the constant, weight)
/// taps output pixel (x, y) of image `m` reads.
pub fn taps(p: &[u32; 16], m: &[i32; 6], x: i32, y: i32) -> [(Option<usize>, f32); 4] {
    let (h, w, fill) = (p[1] as i32, p[2] as i32, p[7]);
    let sx = m[0]
        .wrapping_mul(x)
        .wrapping_add(m[1].wrapping_mul(y))
        .wrapping_add(m[2]);
    let sy = m[3]
        .wrapping_mul(x)
        .wrapping_add(m[4].wrapping_mul(y))
        .wrapping_add(m[5]);
    let at = |iy: i32, ix: i32| match (fix(iy, h, fill), fix(ix, w, fill)) {
        (Some(a), Some(b)) => Some((a * w + b) as usize),
        _ => None,
    };
    if p[8] == 0 {
        let round = |v: i32| {
            if v >= 0 {
                (v + (1 << 15)) >> 16
            } else {
                -((-v + (1 << 15)) >> 16)
            }
        };
        [
            (at(round(sy), round(sx)), 1.0),
            (None, 0.0),
            (None, 0.0),
            (None, 0.0),
        ]
    } else {
        let (x0, y0) = (sx >> 16, sy >> 16);
        let fx = (sx & 0xffff) as f32 / 65536.0;
        let fy = (sy & 0xffff) as f32 / 65536.0;
        [
            (at(y0, x0), (1.0 - fy) * (1.0 - fx)),
            (at(y0, x0 + 1), (1.0 - fy) * fx),
            (at(y0 + 1, x0), fy * (1.0 - fx)),
            (at(y0 + 1, x0 + 1), fy * fx),
        ]
    }
}

/// `x[n, h, w, c]` → y (same shape): each image through its drawn map at counter `step`.
pub fn augment_forward<T: Scalar>(
    x: &[T],
    (n, h, w, c): (usize, usize, usize, usize),
    a: &Augment,
    step: u32,
    seed: u32,
) -> Vec<T> {
    assert_eq!(x.len(), n * h * w * c, "augment_forward: shapes");
    let p = a.params((n, h, w, c), seed);
    let mut y = vec![T::default(); x.len()];
    let nearest = p[8] == 0;
    for s in 0..n {
        let m = image_matrix(&p, step, s as u32);
        let img = &x[s * h * w * c..(s + 1) * h * w * c];
        for oy in 0..h {
            for ox in 0..w {
                let t = taps(&p, &m, ox as i32, oy as i32);
                for ch in 0..c {
                    let mut acc = 0.0f64;
                    for &(at, wt) in t.iter().take(if nearest { 1 } else { 4 }) {
                        let v = at.map_or(a.fill_value as f64, |i| img[i * c + ch].to_f64());
                        acc += wt as f64 * v;
                    }
                    y[((s * h + oy) * w + ox) * c + ch] = T::from_f64(acc);
                }
            }
        }
    }
    y
}

/// `dy[n, h, w, c]` → dx: the transpose of `augment_forward` (each output's weights
/// scattered back onto the input pixels it read; the constant fill has no gradient). The
/// shader computes the same sums as a gather per input element.
pub fn augment_backward<T: Scalar>(
    dy: &[T],
    (n, h, w, c): (usize, usize, usize, usize),
    a: &Augment,
    step: u32,
    seed: u32,
) -> Vec<T> {
    assert_eq!(dy.len(), n * h * w * c, "augment_backward: shapes");
    let p = a.params((n, h, w, c), seed);
    let mut dx = vec![0.0f64; dy.len()];
    for s in 0..n {
        let m = image_matrix(&p, step, s as u32);
        let base = s * h * w * c;
        for oy in 0..h {
            for ox in 0..w {
                let o = base + (oy * w + ox) * c;
                for (at, wt) in taps(&p, &m, ox as i32, oy as i32) {
                    if let Some(i) = at {
                        for ch in 0..c {
                            dx[base + i * c + ch] += wt as f64 * dy[o + ch].to_f64();
                        }
                    }
                }
            }
        }
    }
    dx.into_iter().map(T::from_f64).collect()
}
