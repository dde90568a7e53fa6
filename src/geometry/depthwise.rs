//! The shape of a depthwise convolution (Keras's DepthwiseConv2D, and the first half of
//! SeparableConv2D): a Conv2D's windows, one kernel per input channel and multiplier.

use super::{Conv2dGeometry, Padding};
use crate::error::Result;

/// A depthwise convolution over an NHWC batch: input `[n,h,w,c]`, kernel
/// `[kh,kw,c,depth_multiplier]`, output `[n,oh,ow,c·depth_multiplier]` whose channel
/// `ch·depth_multiplier + m` is input channel `ch` through its m-th filter (Keras's order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthwiseGeometry {
    /// The windows: sizes, kernel, strides, padding and output size (its `c` is the
    /// input's channels).
    pub conv: Conv2dGeometry,
    /// Output channels per input channel.
    pub depth_multiplier: usize,
}

impl DepthwiseGeometry {
    /// Geometry for input `[n,h,w,c]`, a kh×kw kernel, strides (sh, sw), `padding` and
    /// `depth_multiplier` (≥ 1).
    pub fn new(
        (n, h, w, c): (usize, usize, usize, usize),
        kernel: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
        depth_multiplier: usize,
    ) -> Result<Self> {
        if depth_multiplier == 0 || c == 0 {
            return crate::error::shape_err(
                "DepthwiseConv2D",
                format!("channels {c} and depth_multiplier {depth_multiplier} must be ≥ 1"),
            );
        }
        let conv = Conv2dGeometry::new(n, h, w, c, kernel, strides, padding)?;
        // Every size a kernel indexes must fit u32 (and so usize).
        let fits = |v: Option<usize>| v.filter(|&v| v <= u32::MAX as usize).is_some();
        let out = conv
            .col_rows()
            .checked_mul(c)
            .and_then(|v| v.checked_mul(depth_multiplier));
        let weights = conv
            .kh
            .checked_mul(conv.kw)
            .and_then(|v| v.checked_mul(c))
            .and_then(|v| v.checked_mul(depth_multiplier));
        if !fits(out) || !fits(weights) || !fits(Some(conv.input_len())) {
            return crate::error::shape_err(
                "DepthwiseConv2D",
                "the input, output or kernel has more than 2^32 elements".to_string(),
            );
        }
        Ok(DepthwiseGeometry {
            conv,
            depth_multiplier,
        })
    }

    /// Output channels: c·depth_multiplier.
    pub fn out_channels(&self) -> usize {
        self.conv.c * self.depth_multiplier
    }

    /// Output positions: n·oh·ow.
    pub fn positions(&self) -> usize {
        self.conv.col_rows()
    }

    /// Elements of the input.
    pub fn input_len(&self) -> usize {
        self.conv.input_len()
    }

    /// Elements of the output.
    pub fn output_len(&self) -> usize {
        self.positions() * self.out_channels()
    }

    /// Elements of the kernel: kh·kw·c·depth_multiplier.
    pub fn kernel_len(&self) -> usize {
        self.conv.kh * self.conv.kw * self.out_channels()
    }

    /// The uniform block of `shaders/depthwise_conv.wgsl`, with its flags and chunk.
    pub(crate) fn params(&self, flags: u32, chunk: usize) -> [u32; 16] {
        let g = self.conv.params();
        let more = [
            self.depth_multiplier as u32,
            flags,
            chunk as u32,
            self.positions() as u32,
        ];
        std::array::from_fn(|i| if i < 12 { g[i] } else { more[i - 12] })
    }
}
