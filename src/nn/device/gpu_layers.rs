//! The GPU device's tutorial-layer ops (`LayerOps`): each calls its launcher in
//! `crate::ops`.

use super::gpu::g;
use super::LayerOps;
use crate::cpu::augment::Augment;
use crate::error::Result;
use crate::geometry::DepthwiseGeometry;
use crate::gpu::Gpu;
use crate::nn::device::tensor::Tensor;
use crate::ops;

impl LayerOps for Gpu {
    fn layer_norm_forward(
        &self,
        x: &Tensor,
        gamma: &Tensor,
        beta: &Tensor,
        epsilon: f32,
    ) -> Result<(Tensor, Tensor)> {
        let op = "layer_norm_forward";
        let (x, gamma, beta) = (g(op, x)?, g(op, gamma)?, g(op, beta)?);
        let (y, stats) = ops::layer_norm_forward(self, x, gamma, beta, epsilon)?;
        Ok((Tensor::Gpu(y), Tensor::Gpu(stats)))
    }

    fn layer_norm_backward(
        &self,
        x: &Tensor,
        dy: &Tensor,
        stats: &Tensor,
        gamma: &Tensor,
    ) -> Result<(Tensor, Tensor, Tensor)> {
        let op = "layer_norm_backward";
        let (x, dy, stats, gamma) = (g(op, x)?, g(op, dy)?, g(op, stats)?, g(op, gamma)?);
        let (dx, prod) = ops::layer_norm_backward(self, x, dy, stats, gamma)?;
        // dγ and dβ are column sums: the bias gradient's kernel.
        let dgamma = ops::bias_backward(self, &prod)?;
        let dbeta = ops::bias_backward(self, dy)?;
        Ok((Tensor::Gpu(dx), Tensor::Gpu(dgamma), Tensor::Gpu(dbeta)))
    }

    fn spatial_dropout_forward(
        &self,
        x: &Tensor,
        step: &Tensor,
        rate: f32,
        seed: u32,
    ) -> Result<(Tensor, Tensor)> {
        let op = "spatial_dropout_forward";
        let (y, mask) = ops::spatial_dropout_forward(self, g(op, x)?, g(op, step)?, rate, seed)?;
        Ok((Tensor::Gpu(y), Tensor::Gpu(mask)))
    }

    fn spatial_dropout_backward(&self, dy: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let op = "spatial_dropout_backward";
        let dx = ops::spatial_dropout_backward(self, g(op, dy)?, g(op, mask)?)?;
        Ok(Tensor::Gpu(dx))
    }

    fn depthwise_conv_forward(
        &self,
        x: &Tensor,
        w: &Tensor,
        bias: Option<&Tensor>,
        geo: &DepthwiseGeometry,
        relu: bool,
    ) -> Result<Tensor> {
        let op = "depthwise_conv_forward";
        let bias = bias.map(|b| g(op, b)).transpose()?;
        let y = ops::depthwise_conv_forward(self, g(op, x)?, g(op, w)?, bias, geo, relu)?;
        Ok(Tensor::Gpu(y))
    }

    fn depthwise_conv_backward(
        &self,
        dy: &Tensor,
        w: &Tensor,
        geo: &DepthwiseGeometry,
    ) -> Result<Tensor> {
        let op = "depthwise_conv_backward";
        let dx = ops::depthwise_conv_backward(self, g(op, dy)?, g(op, w)?, geo)?;
        Ok(Tensor::Gpu(dx))
    }

    fn depthwise_conv_weight_grad_into(
        &self,
        x: &Tensor,
        dy: &Tensor,
        geo: &DepthwiseGeometry,
        dw: &mut Tensor,
    ) -> Result<()> {
        let op = "depthwise_conv_weight_grad";
        ops::depthwise_conv_weight_grad_into(self, g(op, x)?, g(op, dy)?, geo, g(op, dw)?)
    }

    fn depthwise_conv_weight_grad(
        &self,
        x: &Tensor,
        dy: &Tensor,
        geo: &DepthwiseGeometry,
    ) -> Result<Tensor> {
        let op = "depthwise_conv_weight_grad";
        let dw = ops::depthwise_conv_weight_grad(self, g(op, x)?, g(op, dy)?, geo)?;
        Ok(Tensor::Gpu(dw))
    }

    fn augment_forward(&self, x: &Tensor, step: &Tensor, a: &Augment, seed: u32) -> Result<Tensor> {
        let op = "augment_forward";
        let y = ops::augment_forward(self, g(op, x)?, g(op, step)?, a, seed)?;
        Ok(Tensor::Gpu(y))
    }

    fn augment_backward(
        &self,
        dy: &Tensor,
        step: &Tensor,
        a: &Augment,
        seed: u32,
    ) -> Result<Tensor> {
        let op = "augment_backward";
        let dx = ops::augment_backward(self, g(op, dy)?, g(op, step)?, a, seed)?;
        Ok(Tensor::Gpu(dx))
    }
}
