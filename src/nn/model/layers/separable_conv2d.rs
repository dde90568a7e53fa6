//! `SeparableConv2D(filters, kernel_size, strides, padding, depth_multiplier, activation)`
//! on NHWC input, as Keras: a depthwise convolution without bias (`depthwise_kernel`
//! `[kh, kw, c, depth_multiplier]`), then a 1×1 convolution (`pointwise_kernel`
//! `[1, 1, c·depth_multiplier, filters]`, `bias` `[filters]`), which is the affine matmul
//! over [n·oh·ow, c·depth_multiplier] with its bias and ReLU epilogue.

use rand::rngs::StdRng;

use super::affine::Affine;
use super::depthwise_conv2d::{depthwise_options, draw_param, Windows};
use crate::error::{Error, Result};
use crate::geometry::{DepthwiseGeometry, Padding};
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::model::fusion::{CanFuse, LayerFusion};
use crate::nn::model::init::Initializer;
use crate::nn::model::layer::Layer;
use crate::nn::model::spec::{LayerSpec, SeparableConv2DArgs};
use crate::nn::training::param::Param;
use crate::nn::Activation;

/// Keras's SeparableConv2D (channels last, no dilation).
pub struct SeparableConv2D {
    filters: usize,
    windows: Windows,
    use_bias: bool,
    depthwise_initializer: Initializer,
    pointwise_initializer: Initializer,
    bias_initializer: Initializer,
    depthwise: Option<Param>,
    /// The pointwise kernel (as the affine kernel), the bias and the activation.
    affine: Affine,
    /// A training forward's input and geometry.
    cache: Option<(Tensor, DepthwiseGeometry)>,
}

impl SeparableConv2D {
    /// `SeparableConv2D(filters, kernel_size, activation=...)`: strides 1, padding
    /// "valid", depth_multiplier 1, a bias.
    pub fn new(
        filters: usize,
        kernel_size: (usize, usize),
        activation: Activation,
    ) -> SeparableConv2D {
        SeparableConv2D {
            filters,
            windows: Windows::new(kernel_size),
            use_bias: true,
            depthwise_initializer: Initializer::GlorotUniform,
            pointwise_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            depthwise: None,
            affine: Affine::new(activation),
            cache: None,
        }
    }

    /// The layer a description's arguments give (an error names the field).
    pub(crate) fn from_args(a: &SeparableConv2DArgs) -> std::result::Result<Self, String> {
        if let Some(e) = a.check() {
            return Err(e);
        }
        let act: Activation = a.activation.parse().map_err(|e| format!("{e}"))?;
        let padding: Padding = a.padding.parse().map_err(|e| format!("{e}"))?;
        Ok(
            SeparableConv2D::new(a.filters, (a.kernel_size.0, a.kernel_size.1), act)
                .strides((a.strides.0, a.strides.1))
                .padding(padding)
                .depth_multiplier(a.depth_multiplier)
                .use_bias(a.use_bias)
                .depthwise_initializer(a.depthwise_initializer)
                .pointwise_initializer(a.pointwise_initializer)
                .bias_initializer(a.bias_initializer),
        )
    }

    /// `pointwise_initializer=...` (glorot_uniform by default).
    pub fn pointwise_initializer(mut self, init: Initializer) -> Self {
        self.pointwise_initializer = init;
        self
    }

    fn depthwise_kernel(&self) -> Result<&Tensor> {
        self.depthwise.as_ref().map(|p| &p.value).ok_or_else(|| {
            Error::Model("SeparableConv2D used before its weights were built".into())
        })
    }

    /// x → the depthwise output as a matrix `[n·oh·ow, c·dm]`, and the geometry.
    fn depthwise_step(&self, dev: &Device, x: &Tensor) -> Result<(Tensor, DepthwiseGeometry)> {
        let g = self.windows.geometry(x.shape()[0])?;
        let d = dev.depthwise_conv_forward(x, self.depthwise_kernel()?, None, &g, false)?;
        Ok((d.reshape(&[g.positions(), g.out_channels()]), g))
    }
}

depthwise_options!(SeparableConv2D);

impl Layer for SeparableConv2D {
    fn kind(&self) -> &'static str {
        "SeparableConv2D"
    }

    fn spec(&self) -> LayerSpec {
        let (kernel_size, strides, padding) = self.windows.spec_parts();
        LayerSpec::SeparableConv2D(SeparableConv2DArgs {
            filters: self.filters,
            kernel_size,
            strides,
            padding,
            depth_multiplier: self.windows.depth_multiplier,
            activation: self.affine.activation.name().into(),
            use_bias: self.use_bias,
            depthwise_initializer: self.depthwise_initializer,
            pointwise_initializer: self.pointwise_initializer,
            bias_initializer: self.bias_initializer,
        })
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let what = format!(
            "SeparableConv2D({}, {:?})",
            self.filters, self.windows.kernel
        );
        if self.filters == 0 {
            return Err(Error::Model(format!("{what}: filters must be ≥ 1")));
        }
        let out = self.windows.build(&what, input_shape)?;
        Ok(vec![out[0], out[1], self.filters])
    }

    fn param_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        let (shape, _, _) = self.windows.kernel_shape();
        let cdm = shape[2] * shape[3];
        let mut v = vec![
            ("depthwise_kernel", shape),
            ("pointwise_kernel", vec![1, 1, cdm, self.filters]),
        ];
        if self.use_bias {
            v.push(("bias", vec![self.filters]));
        }
        v
    }

    fn scratch_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        // Per sample: the depthwise output and its gradient.
        match self.windows.geometry(1) {
            Ok(g) => vec![
                ("depthwise output", vec![g.output_len()]),
                ("depthwise output gradient", vec![g.output_len()]),
            ],
            Err(_) => Vec::new(),
        }
    }

    fn init(&mut self, dev: &Device, rng: &mut StdRng) -> Result<()> {
        let (shape, fan_in, fan_out) = self.windows.kernel_shape();
        let (cdm, f) = (shape[2] * shape[3], self.filters);
        let dw = ("depthwise_kernel", &shape[..]);
        self.depthwise = Some(draw_param(
            dev,
            rng,
            dw,
            self.depthwise_initializer,
            (fan_in, fan_out),
        )?);
        let pw = ("pointwise_kernel", &[1, 1, cdm, f][..]);
        self.affine.kernel = Some(draw_param(
            dev,
            rng,
            pw,
            self.pointwise_initializer,
            (cdm, f),
        )?);
        self.affine.bias = match self.use_bias {
            true => Some(draw_param(
                dev,
                rng,
                ("bias", &[f]),
                self.bias_initializer,
                (f, f),
            )?),
            false => None,
        };
        Ok(())
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (d, g) = self.depthwise_step(dev, x)?;
        let y = self.affine.call(dev, &d)?;
        Ok(y.reshape(&[g.conv.n, g.conv.oh, g.conv.ow, self.filters]))
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (d, g) = self.depthwise_step(dev, x)?;
        let y = self.affine.forward(dev, &d)?;
        self.cache = Some((x.clone(), g));
        Ok(y.reshape(&[g.conv.n, g.conv.oh, g.conv.ow, self.filters]))
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let (x, g) = self.cache.take().ok_or_else(|| {
            Error::Model("SeparableConv2D: backward without a training forward".into())
        })?;
        let dy2 = dy.reshape(&[g.positions(), self.filters]);
        // The pointwise step's weight gradients, and the depthwise output's gradient.
        let dd = self
            .affine
            .backward(dev, &dy2, true)?
            .ok_or_else(|| Error::Model("SeparableConv2D: no pointwise input gradient".into()))?;
        let dd = dd.reshape(&[g.conv.n, g.conv.oh, g.conv.ow, g.out_channels()]);
        let w = self.depthwise_kernel()?.clone();
        let kernel = self.depthwise.as_mut().expect("checked above");
        kernel.write_grad(
            |out| dev.depthwise_conv_weight_grad_into(&x, &dd, &g, out),
            || dev.depthwise_conv_weight_grad(&x, &dd, &g),
        )?;
        match need_dx {
            true => Ok(Some(dev.depthwise_conv_backward(&dd, &w, &g)?)),
            false => Ok(None),
        }
    }

    fn params(&self) -> Vec<&Param> {
        self.depthwise.iter().chain(self.affine.params()).collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.depthwise
            .iter_mut()
            .chain(self.affine.params_mut())
            .collect()
    }

    fn can_fuse(&self) -> CanFuse {
        // Its input gradient comes from the depthwise step, which masks nothing.
        self.affine.can_fuse(false)
    }

    fn set_fusion(&mut self, plan: LayerFusion) {
        self.affine.set_fusion(plan)
    }
}
