//! The CPU reference device's tutorial-layer ops (`LayerOps`): each calls its twin in
//! `crate::cpu`.

use super::cpu::check_len;
use super::{CpuDevice, LayerOps};
use crate::cpu;
use crate::error::{shape_err, Result};
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
}
