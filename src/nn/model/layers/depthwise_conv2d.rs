//! `DepthwiseConv2D(kernel_size, strides, padding, depth_multiplier, activation)` on NHWC
//! input, as Keras: kernel `[kh, kw, c, depth_multiplier]`, bias `[c·depth_multiplier]`,
//! output channel `ch·depth_multiplier + m` from input channel `ch` (`ops::depthwise_conv`,
//! bias and ReLU fused into the forward). Also the windows SeparableConv2D shares
//! ([`Windows`]).

use rand::rngs::StdRng;

use crate::error::{Error, Result};
use crate::geometry::{DepthwiseGeometry, Padding};
use crate::gpu::Saved;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::{CanFuse, LayerFusion};
use crate::nn::model::init::Initializer;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::{DepthwiseConv2DArgs, LayerSpec, Pair};
use crate::nn::training::param::Param;
use crate::nn::Activation;

/// The depthwise windows of DepthwiseConv2D and SeparableConv2D: kernel, strides,
/// padding, depth multiplier, and the input `[h, w, c]` once built.
#[derive(Clone, Debug)]
pub(super) struct Windows {
    pub kernel: (usize, usize),
    pub strides: (usize, usize),
    pub padding: Padding,
    pub depth_multiplier: usize,
    pub input: Vec<usize>,
}

impl Windows {
    pub fn new(kernel: (usize, usize)) -> Windows {
        Windows {
            kernel,
            strides: (1, 1),
            padding: Padding::Valid,
            depth_multiplier: 1,
            input: Vec::new(),
        }
    }

    /// The geometry of a batch of `n`.
    pub fn geometry(&self, n: usize) -> Result<DepthwiseGeometry> {
        match self.input[..] {
            [h, w, c] => DepthwiseGeometry::new(
                (n, h, w, c),
                self.kernel,
                self.strides,
                self.padding,
                self.depth_multiplier,
            ),
            _ => Err(Error::Model(
                "a depthwise convolution used before it was built".into(),
            )),
        }
    }

    /// Check the input `[h, w, c]` for the layer `what` and return the depthwise output
    /// `[oh, ow, c·depth_multiplier]`.
    pub fn build(&mut self, what: &str, input_shape: &[usize]) -> Result<Vec<usize>> {
        if input_shape.len() != 3 {
            return Err(Error::ShapeMismatch {
                what: format!("{what} input"),
                expected: "(height, width, channels)".into(),
                got: format!("{input_shape:?}"),
            });
        }
        let (k, s) = (self.kernel, self.strides);
        if k.0 == 0 || k.1 == 0 || s.0 == 0 || s.1 == 0 || self.depth_multiplier == 0 {
            return Err(Error::Model(format!(
                "{what}: kernel_size, strides and depth_multiplier must be ≥ 1"
            )));
        }
        self.input = input_shape.to_vec();
        let g = self.geometry(1).map_err(|e| {
            // The geometry's own words, without the name of the op that checked them.
            let why = match e {
                Error::Shape { detail, .. } => detail,
                other => other.to_string(),
            };
            Error::Model(format!(
                "{what} cannot apply to input {input_shape:?}: {why}"
            ))
        })?;
        Ok(vec![g.conv.oh, g.conv.ow, g.out_channels()])
    }

    /// The depthwise kernel's shape `[kh, kw, c, depth_multiplier]` and Keras's fans for
    /// it (fan_in = kh·kw·c, fan_out = kh·kw·depth_multiplier).
    pub fn kernel_shape(&self) -> (Vec<usize>, usize, usize) {
        let ((kh, kw), c, dm) = (self.kernel, self.input[2], self.depth_multiplier);
        (vec![kh, kw, c, dm], kh * kw * c, kh * kw * dm)
    }

    /// The arguments as a description writes them: (kernel_size, strides, padding).
    pub fn spec_parts(&self) -> (Pair, Pair, String) {
        let (k, s) = (self.kernel, self.strides);
        (Pair(k.0, k.1), Pair(s.0, s.1), self.padding.name().into())
    }
}

/// `Param::new` for a drawn weight of `shape`.
pub(super) fn draw_param(
    dev: &Device,
    rng: &mut StdRng,
    (name, shape): (&'static str, &[usize]),
    init: Initializer,
    (fan_in, fan_out): (usize, usize),
) -> Result<Param> {
    let n = shape.iter().product();
    Param::new(dev, name, shape, &init.draw(rng, n, fan_in, fan_out))
}

/// Keras's DepthwiseConv2D (channels last, no dilation).
pub struct DepthwiseConv2D {
    windows: Windows,
    activation: Activation,
    use_bias: bool,
    depthwise_initializer: Initializer,
    bias_initializer: Initializer,
    kernel: Option<Param>,
    bias: Option<Param>,
    /// Output logits: skip a softmax or sigmoid activation (the loss applies it, fused).
    logits: bool,
    /// A training forward's input, what the activation's backward reads, the geometry.
    cache: Option<(Tensor, Tensor, DepthwiseGeometry)>,
}

impl DepthwiseConv2D {
    /// `DepthwiseConv2D(kernel_size, activation=...)`: strides 1, padding "valid",
    /// depth_multiplier 1, a bias.
    pub fn new(kernel_size: (usize, usize), activation: Activation) -> DepthwiseConv2D {
        DepthwiseConv2D {
            windows: Windows::new(kernel_size),
            activation,
            use_bias: true,
            depthwise_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            kernel: None,
            bias: None,
            logits: false,
            cache: None,
        }
    }

    /// The layer a description's arguments give (an error names the field).
    pub(crate) fn from_args(a: &DepthwiseConv2DArgs) -> std::result::Result<Self, String> {
        if let Some(e) = a.check() {
            return Err(e);
        }
        let act: Activation = a.activation.parse().map_err(|e| format!("{e}"))?;
        let padding: Padding = a.padding.parse().map_err(|e| format!("{e}"))?;
        Ok(
            DepthwiseConv2D::new((a.kernel_size.0, a.kernel_size.1), act)
                .strides((a.strides.0, a.strides.1))
                .padding(padding)
                .depth_multiplier(a.depth_multiplier)
                .use_bias(a.use_bias)
                .depthwise_initializer(a.depthwise_initializer)
                .bias_initializer(a.bias_initializer),
        )
    }

    /// The activation as the forward applies it (none when the loss takes logits).
    fn effective(&self) -> Activation {
        match self.logits && matches!(self.activation, Activation::Softmax | Activation::Sigmoid) {
            true => Activation::Linear,
            false => self.activation,
        }
    }

    fn kernel_param(&self) -> Result<&Param> {
        self.kernel.as_ref().ok_or_else(|| {
            Error::Model("DepthwiseConv2D used before its weights were built".into())
        })
    }

    /// x → (z, y): the convolution with its bias (and a ReLU) fused, then the activation.
    fn apply(&self, dev: &Device, x: &Tensor) -> Result<(Tensor, Tensor, DepthwiseGeometry)> {
        let g = self.windows.geometry(x.shape()[0])?;
        let act = self.effective();
        let (w, b) = (
            &self.kernel_param()?.value,
            self.bias.as_ref().map(|p| &p.value),
        );
        let z = dev.depthwise_conv_forward(x, w, b, &g, act == Activation::Relu)?;
        let y = match act {
            Activation::Relu | Activation::Linear => z.clone(),
            other => dev.activation_forward(other, &z)?,
        };
        Ok((z, y, g))
    }
}

/// The builder methods DepthwiseConv2D and SeparableConv2D share (their depthwise step:
/// `windows`, `use_bias`, `depthwise_initializer`, `bias_initializer`).
macro_rules! depthwise_options {
    ($layer:ident) => {
        impl $layer {
            /// `strides=(sh, sw)` (of the depthwise step).
            pub fn strides(mut self, strides: (usize, usize)) -> Self {
                self.windows.strides = strides;
                self
            }

            /// `padding="valid"` or `"same"`.
            pub fn padding(mut self, padding: Padding) -> Self {
                self.windows.padding = padding;
                self
            }

            /// `depth_multiplier=m`: m depthwise channels per input channel (≥ 1).
            pub fn depth_multiplier(mut self, m: usize) -> Self {
                self.windows.depth_multiplier = m;
                self
            }

            /// `use_bias=False`: no bias weight; true by default.
            pub fn use_bias(mut self, use_bias: bool) -> Self {
                self.use_bias = use_bias;
                self
            }

            /// `depthwise_initializer=...` (glorot_uniform by default).
            pub fn depthwise_initializer(mut self, init: Initializer) -> Self {
                self.depthwise_initializer = init;
                self
            }

            /// `bias_initializer=...` (zeros by default).
            pub fn bias_initializer(mut self, init: Initializer) -> Self {
                self.bias_initializer = init;
                self
            }
        }
    };
}
pub(crate) use depthwise_options;

depthwise_options!(DepthwiseConv2D);

impl Layer for DepthwiseConv2D {
    fn kind(&self) -> &'static str {
        "DepthwiseConv2D"
    }

    fn spec(&self) -> LayerSpec {
        let (kernel_size, strides, padding) = self.windows.spec_parts();
        LayerSpec::DepthwiseConv2D(DepthwiseConv2DArgs {
            kernel_size,
            strides,
            padding,
            depth_multiplier: self.windows.depth_multiplier,
            activation: self.activation.name().into(),
            use_bias: self.use_bias,
            depthwise_initializer: self.depthwise_initializer,
            bias_initializer: self.bias_initializer,
        })
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let what = format!("DepthwiseConv2D({:?})", self.windows.kernel);
        self.windows.build(&what, input_shape)
    }

    fn param_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        let (shape, _, _) = self.windows.kernel_shape();
        let mut v = vec![("kernel", shape)];
        if self.use_bias {
            v.push((
                "bias",
                vec![self.windows.input[2] * self.windows.depth_multiplier],
            ));
        }
        v
    }

    fn init(&mut self, dev: &Device, rng: &mut StdRng) -> Result<()> {
        let (shape, fan_in, fan_out) = self.windows.kernel_shape();
        let init = self.depthwise_initializer;
        self.kernel = Some(draw_param(
            dev,
            rng,
            ("kernel", &shape),
            init,
            (fan_in, fan_out),
        )?);
        let co = shape[2] * shape[3];
        self.bias = match self.use_bias {
            true => Some(draw_param(
                dev,
                rng,
                ("bias", &[co]),
                self.bias_initializer,
                (co, co),
            )?),
            false => None,
        };
        Ok(())
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        Ok(self.apply(dev, x)?.1)
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (z, y, g) = self.apply(dev, x)?;
        let saved = match self.effective().saved() {
            Saved::Input => z,
            Saved::Output => y.clone(),
        };
        self.cache = Some((x.clone(), saved, g));
        Ok(y)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let (x, saved, g) = self.cache.take().ok_or_else(|| {
            Error::Model("DepthwiseConv2D: backward without a training forward".into())
        })?;
        let dz = dev.activation_backward(self.effective(), &saved, dy)?;
        let w = self.kernel_param()?.value.clone();
        let kernel = self.kernel.as_mut().expect("checked above");
        kernel.write_grad(
            |out| dev.depthwise_conv_weight_grad_into(&x, &dz, &g, out),
            || dev.depthwise_conv_weight_grad(&x, &dz, &g),
        )?;
        if let Some(bias) = self.bias.as_mut() {
            // Σ over batch·oh·ow of dz[.., c·dm]: the bias gradient's column sums.
            let dz2 = dz.reshape(&[g.positions(), g.out_channels()]);
            bias.write_grad(
                |out| dev.bias_backward_into(&dz2, out),
                || dev.bias_backward(&dz2),
            )?;
        }
        match need_dx {
            true => Ok(Some(dev.depthwise_conv_backward(&dz, &w, &g)?)),
            false => Ok(None),
        }
    }

    fn params(&self) -> Vec<&Param> {
        self.kernel.iter().chain(self.bias.iter()).collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.kernel.iter_mut().chain(self.bias.iter_mut()).collect()
    }

    fn can_fuse(&self) -> CanFuse {
        CanFuse {
            activation: Some(self.activation),
            ..CanFuse::default()
        }
    }

    fn set_fusion(&mut self, plan: LayerFusion) {
        self.logits = plan.output_logits;
    }
}
