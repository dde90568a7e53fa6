//! Shapes of the windowed ops (Conv2D via im2col, max-pooling), computed once and shared
//! by the GPU launchers and the CPU twins. Output sizes follow Keras exactly.

use crate::error::{shape_err, Result};

mod depthwise;
pub use depthwise::DepthwiseGeometry;

/// Keras padding modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// No padding: out = floor((in − k) / stride) + 1.
    Valid,
    /// Zero padding so that out = ceil(in / stride); the extra row/column goes at the end.
    Same,
}

impl Padding {
    /// Keras's name: "valid" or "same".
    pub fn name(self) -> &'static str {
        match self {
            Padding::Valid => "valid",
            Padding::Same => "same",
        }
    }
}

impl std::str::FromStr for Padding {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            other => Err(crate::error::Error::BadSetting {
                name: "padding",
                value: other.to_string(),
                reason: "use valid or same".into(),
            }),
        }
    }
}

/// A Conv2D over an NHWC batch: input `[n,h,w,c]`, kernel `[kh,kw,c,filters]`,
/// output `[n,oh,ow,filters]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dGeometry {
    /// Batch size.
    pub n: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Input channels.
    pub c: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Vertical stride.
    pub sh: usize,
    /// Horizontal stride.
    pub sw: usize,
    /// Rows of zero padding above the input ('same' padding; 0 for 'valid').
    pub pad_top: usize,
    /// Columns of zero padding left of the input ('same' padding; 0 for 'valid').
    pub pad_left: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
}

fn out_and_pad(
    op: &'static str,
    size: usize,
    k: usize,
    s: usize,
    padding: Padding,
) -> Result<(usize, usize)> {
    if k == 0 || s == 0 {
        return shape_err(
            op,
            format!("kernel size {k} and stride {s} must be at least 1"),
        );
    }
    match padding {
        Padding::Valid => {
            if size < k {
                return shape_err(
                    op,
                    format!(
                        "input size {size} is smaller than the window {k} with padding 'valid'"
                    ),
                );
            }
            Ok(((size - k) / s + 1, 0))
        }
        Padding::Same => {
            if size == 0 {
                return shape_err(op, "input size 0 with padding 'same'".to_string());
            }
            let out = size.div_ceil(s);
            // (out − 1)·s + k − size, checked: a kernel near usize::MAX must not wrap.
            let total = (out - 1)
                .checked_mul(s)
                .and_then(|v| v.checked_add(k))
                .map(|v| v.saturating_sub(size))
                .ok_or_else(|| crate::error::Error::Shape {
                    op,
                    detail: format!("window {k} with stride {s} overflows"),
                })?;
            Ok((out, total / 2))
        }
    }
}

impl Conv2dGeometry {
    /// Geometry for input `[n,h,w,c]`, a kh×kw kernel, strides (sh, sw) and `padding`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        n: usize,
        h: usize,
        w: usize,
        c: usize,
        (kh, kw): (usize, usize),
        (sh, sw): (usize, usize),
        padding: Padding,
    ) -> Result<Self> {
        let (oh, pad_top) = out_and_pad("Conv2D", h, kh, sh, padding)?;
        let (ow, pad_left) = out_and_pad("Conv2D", w, kw, sw, padding)?;
        Ok(Conv2dGeometry {
            n,
            h,
            w,
            c,
            kh,
            kw,
            sh,
            sw,
            pad_top,
            pad_left,
            oh,
            ow,
        })
    }

    /// Rows of the im2col matrix: n·oh·ow.
    pub fn col_rows(&self) -> usize {
        self.n * self.oh * self.ow
    }

    /// Columns of the im2col matrix: kh·kw·c.
    pub fn col_cols(&self) -> usize {
        self.kh * self.kw * self.c
    }

    /// Elements of the input.
    pub fn input_len(&self) -> usize {
        self.n * self.h * self.w * self.c
    }

    /// The uniform block the im2col shader reads.
    pub(crate) fn params(&self) -> [u32; 12] {
        [
            self.n,
            self.h,
            self.w,
            self.c,
            self.kh,
            self.kw,
            self.sh,
            self.sw,
            self.pad_top,
            self.pad_left,
            self.oh,
            self.ow,
        ]
        .map(|v| v as u32)
    }
}

/// A MaxPooling2D or AveragePooling2D over an NHWC batch: input `[n,h,w,c]`, output
/// `[n,oh,ow,c]`. With padding 'same' (pad_top, pad_left > 0 or an extra row/column at the
/// end) the windows reach past the input; only the input's cells count in them (the
/// maximum of those, their mean), as Keras and TensorFlow pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dGeometry {
    /// Batch size.
    pub n: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Channels (input and output).
    pub c: usize,
    /// Pool window height.
    pub ph: usize,
    /// Pool window width.
    pub pw: usize,
    /// Vertical stride.
    pub sh: usize,
    /// Horizontal stride.
    pub sw: usize,
    /// Window rows before the input's first row ('same': half the padding, rounded down).
    pub pad_top: usize,
    /// Window columns before the input's first column.
    pub pad_left: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
}

impl Pool2dGeometry {
    /// Geometry for input `[n,h,w,c]`, pool (ph, pw) and strides (sh, sw), 'valid'
    /// windows; odd sizes floor.
    pub fn new(
        n: usize,
        h: usize,
        w: usize,
        c: usize,
        pool: (usize, usize),
        strides: (usize, usize),
    ) -> Result<Self> {
        Self::padded(n, (h, w, c), pool, strides, Padding::Valid)
    }

    /// Geometry for input `[n,h,w,c]` with `padding` 'valid' (out = floor((in − k) / s) + 1)
    /// or 'same' (out = ceil(in / s), the windows centred as Keras's).
    pub fn padded(
        n: usize,
        (h, w, c): (usize, usize, usize),
        (ph, pw): (usize, usize),
        (sh, sw): (usize, usize),
        padding: Padding,
    ) -> Result<Self> {
        let (oh, pad_top) = out_and_pad("Pooling2D", h, ph, sh, padding)?;
        let (ow, pad_left) = out_and_pad("Pooling2D", w, pw, sw, padding)?;
        Ok(Pool2dGeometry {
            n,
            h,
            w,
            c,
            ph,
            pw,
            sh,
            sw,
            pad_top,
            pad_left,
            oh,
            ow,
        })
    }

    /// The input rows (or columns) window `o` covers along one axis: [lo, hi) of `size`,
    /// for window `k`, stride `s` and padding `pad` before the first.
    pub fn window(o: usize, k: usize, s: usize, pad: usize, size: usize) -> (usize, usize) {
        let start = o * s;
        (start.max(pad) - pad, (start + k).min(pad + size) - pad)
    }

    /// Elements of the input.
    pub fn input_len(&self) -> usize {
        self.n * self.h * self.w * self.c
    }

    /// Elements of the output.
    pub fn output_len(&self) -> usize {
        self.n * self.oh * self.ow * self.c
    }

    /// The uniform block the pooling shaders read.
    pub(crate) fn params(&self) -> [u32; 12] {
        [
            self.n,
            self.h,
            self.w,
            self.c,
            self.ph,
            self.pw,
            self.sh,
            self.sw,
            self.oh,
            self.ow,
            self.pad_top,
            self.pad_left,
        ]
        .map(|v| v as u32)
    }
}

/// A ZeroPadding2D over an NHWC batch: input `[n,h,w,c]`, output
/// `[n, top + h + bottom, left + w + right, c]` with the input in the middle and zeros
/// around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pad2dGeometry {
    /// Batch size.
    pub n: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Channels.
    pub c: usize,
    /// Rows of zeros above.
    pub top: usize,
    /// Columns of zeros on the left.
    pub left: usize,
    /// Output height: top + h + bottom.
    pub oh: usize,
    /// Output width: left + w + right.
    pub ow: usize,
}

impl Pad2dGeometry {
    /// Geometry for input `[n,h,w,c]` padded by (top, bottom) rows and (left, right)
    /// columns; sizes that overflow are an error.
    pub fn new(
        n: usize,
        (h, w, c): (usize, usize, usize),
        (top, bottom): (usize, usize),
        (left, right): (usize, usize),
    ) -> Result<Self> {
        let sum = |a: usize, b: usize, d: usize| a.checked_add(b).and_then(|v| v.checked_add(d));
        let (Some(oh), Some(ow)) = (sum(top, h, bottom), sum(left, w, right)) else {
            return shape_err("ZeroPadding2D", "the padded size overflows".to_string());
        };
        Ok(Pad2dGeometry {
            n,
            h,
            w,
            c,
            top,
            left,
            oh,
            ow,
        })
    }

    /// Elements of the input.
    pub fn input_len(&self) -> usize {
        self.n * self.h * self.w * self.c
    }

    /// Elements of the output.
    pub fn output_len(&self) -> usize {
        self.n * self.oh * self.ow * self.c
    }

    /// The uniform block the pad2d shader reads.
    pub(crate) fn params(&self) -> [u32; 8] {
        [
            self.n, self.h, self.w, self.c, self.top, self.left, self.oh, self.ow,
        ]
        .map(|v| v as u32)
    }
}
