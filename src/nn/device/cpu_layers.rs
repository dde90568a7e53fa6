//! The CPU reference device's tutorial-layer ops (`LayerOps`): each calls its twin in
//! `crate::cpu`.

use super::cpu::check_len;
use super::{CpuDevice, LayerOps};
use crate::cpu;
use crate::cpu::augment::Augment;
use crate::error::{shape_err, Result};
use crate::geometry::DepthwiseGeometry;
use crate::nn::device::tensor::Tensor;

/// The rows of x[.., c] whose last axis is `c` long, or a shape error naming `op`.
fn rows(op: &'static str, x: &Tensor, c: usize) -> Result<usize> {
    match x.shape().last() {
        Some(&last) if last == c && c > 0 => Ok(x.len() / c),
        _ => shape_err(
            op,
            format!("x {:?} must end in the {c} normalised features", x.shape()),
        ),
    }
}

impl LayerOps for CpuDevice {
    fn layer_norm_forward(
        &self,
        x: &Tensor,
        gamma: &Tensor,
        beta: &Tensor,
        epsilon: f32,
    ) -> Result<(Tensor, Tensor)> {
        let op = "layer_norm_forward";
        let r = rows(op, x, gamma.len())?;
        check_len(op, gamma.shape(), beta.len())?;
        let (g, b) = (gamma.host_f32(op)?, beta.host_f32(op)?);
        let (y, stats) = cpu::layer_norm_forward(x.host_f32(op)?, g, b, epsilon);
        Ok((Tensor::cpu(x.shape(), y), Tensor::cpu(&[r, 2], stats)))
    }

    fn layer_norm_backward(
        &self,
        x: &Tensor,
        dy: &Tensor,
        stats: &Tensor,
        gamma: &Tensor,
    ) -> Result<(Tensor, Tensor, Tensor)> {
        let op = "layer_norm_backward";
        let c = gamma.len();
        let r = rows(op, x, c)?;
        check_len(op, x.shape(), dy.len())?;
        check_len(op, &[r, 2], stats.len())?;
        let (x32, dy32) = (x.host_f32(op)?, dy.host_f32(op)?);
        let (dx, dgamma, dbeta) =
            cpu::layer_norm_backward(x32, dy32, stats.host_f32(op)?, gamma.host_f32(op)?);
        Ok((
            Tensor::cpu(x.shape(), dx),
            Tensor::cpu(&[c], dgamma),
            Tensor::cpu(&[c], dbeta),
        ))
    }

    fn spatial_dropout_forward(
        &self,
        x: &Tensor,
        step: &Tensor,
        rate: f32,
        seed: u32,
    ) -> Result<(Tensor, Tensor)> {
        let op = "spatial_dropout_forward";
        let dims = nhwc(op, x.shape())?;
        if !(0.0..1.0).contains(&rate) {
            return shape_err(op, format!("rate {rate} must be in [0, 1)"));
        }
        let step = step.host_u32(op)?[0];
        let (y, mask) = cpu::spatial_dropout_forward(x.host_f32(op)?, dims, step, rate, seed);
        Ok((
            Tensor::cpu(x.shape(), y),
            Tensor::cpu(&[dims.0, dims.2], mask),
        ))
    }

    fn spatial_dropout_backward(&self, dy: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let op = "spatial_dropout_backward";
        let dims = nhwc(op, dy.shape())?;
        check_len(op, &[dims.0, dims.2], mask.len())?;
        let dx = cpu::spatial_dropout_backward(dy.host_f32(op)?, mask.host_f32(op)?, dims);
        Ok(Tensor::cpu(dy.shape(), dx))
    }

    fn depthwise_conv_forward(
        &self,
        x: &Tensor,
        w: &Tensor,
        bias: Option<&Tensor>,
        g: &DepthwiseGeometry,
        relu: bool,
    ) -> Result<Tensor> {
        let op = "depthwise_conv_forward";
        check_len(op, &[g.input_len()], x.len())?;
        check_len(op, &[g.kernel_len()], w.len())?;
        let b = match bias {
            Some(b) => {
                check_len(op, &[g.out_channels()], b.len())?;
                Some(b.host_f32(op)?)
            }
            None => None,
        };
        let y = cpu::depthwise_conv_forward(x.host_f32(op)?, w.host_f32(op)?, b, g, relu);
        let cv = &g.conv;
        Ok(Tensor::cpu(&[cv.n, cv.oh, cv.ow, g.out_channels()], y))
    }

    fn depthwise_conv_backward(
        &self,
        dy: &Tensor,
        w: &Tensor,
        g: &DepthwiseGeometry,
    ) -> Result<Tensor> {
        let op = "depthwise_conv_backward";
        check_len(op, &[g.output_len()], dy.len())?;
        check_len(op, &[g.kernel_len()], w.len())?;
        let dx = cpu::depthwise_conv_backward(dy.host_f32(op)?, w.host_f32(op)?, g);
        let cv = &g.conv;
        Ok(Tensor::cpu(&[cv.n, cv.h, cv.w, cv.c], dx))
    }

    fn depthwise_conv_weight_grad_into(
        &self,
        x: &Tensor,
        dy: &Tensor,
        g: &DepthwiseGeometry,
        dw: &mut Tensor,
    ) -> Result<()> {
        let op = "depthwise_conv_weight_grad";
        check_len(op, &[g.kernel_len()], dw.len())?;
        let grad = self.depthwise_conv_weight_grad(x, dy, g)?;
        *dw.host_f32_mut(op)? = grad.host_f32(op)?.to_vec();
        Ok(())
    }

    fn depthwise_conv_weight_grad(
        &self,
        x: &Tensor,
        dy: &Tensor,
        g: &DepthwiseGeometry,
    ) -> Result<Tensor> {
        let op = "depthwise_conv_weight_grad";
        check_len(op, &[g.input_len()], x.len())?;
        check_len(op, &[g.output_len()], dy.len())?;
        let dw = cpu::depthwise_conv_weight_grad(x.host_f32(op)?, dy.host_f32(op)?, g);
        let cv = &g.conv;
        Ok(Tensor::cpu(&[cv.kh, cv.kw, cv.c, g.depth_multiplier], dw))
    }

    fn augment_forward(&self, x: &Tensor, step: &Tensor, a: &Augment, seed: u32) -> Result<Tensor> {
        let op = "augment_forward";
        let dims = crate::ops::augment::images(op, x.shape())?;
        let step = step.host_u32(op)?[0];
        let y = cpu::augment_forward(x.host_f32(op)?, dims, a, step, seed);
        Ok(Tensor::cpu(x.shape(), y))
    }

    fn augment_backward(
        &self,
        dy: &Tensor,
        step: &Tensor,
        a: &Augment,
        seed: u32,
    ) -> Result<Tensor> {
        let op = "augment_backward";
        let dims = crate::ops::augment::images(op, dy.shape())?;
        let step = step.host_u32(op)?[0];
        let dx = cpu::augment_backward(dy.host_f32(op)?, dims, a, step, seed);
        Ok(Tensor::cpu(dy.shape(), dx))
    }
}

/// (n, h·w, c) of an NHWC shape, or a shape error naming `op`.
fn nhwc(op: &'static str, shape: &[usize]) -> Result<(usize, usize, usize)> {
    match *shape {
        [n, h, w, c] if c > 0 && h * w > 0 => Ok((n, h * w, c)),
        _ => shape_err(op, format!("x must be [n, h, w, c], got {shape:?}")),
    }
}
