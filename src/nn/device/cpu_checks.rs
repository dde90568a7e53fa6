//! The CPU device's argument checks and small shape helpers (`cpu.rs` and
//! `cpu_training.rs` use them).

use crate::error::{shape_err, Result};
use crate::nn::device::tensor::Tensor;
use crate::shape::expect_same;

pub(super) fn same(op: &'static str, a: &Tensor, b: &Tensor) -> Result<()> {
    expect_same(op, ("a", a.shape()), ("b", b.shape()))
}

pub(super) fn check_len(op: &'static str, shape: &[usize], len: usize) -> Result<()> {
    let want: usize = shape.iter().product();
    if want != len {
        return shape_err(
            op,
            format!("shape {shape:?} holds {want} elements but {len} were given"),
        );
    }
    Ok(())
}

/// (n, h·w, c) of an NHWC shape, or a shape error.
pub(super) fn nhwc(op: &'static str, shape: &[usize]) -> Result<(usize, usize, usize)> {
    match *shape {
        [n, h, w, c] => Ok((n, h * w, c)),
        _ => shape_err(op, format!("x must be [n, h, w, c], got {shape:?}")),
    }
}

/// The channel count `c` when x's last axis is it, or a shape error.
pub(super) fn channels(op: &'static str, x: &Tensor, c: usize) -> Result<usize> {
    match x.shape().last() {
        Some(&last) if last == c && c > 0 => Ok(c),
        _ => shape_err(
            op,
            format!("x {:?} must end in the {c} channels", x.shape()),
        ),
    }
}

/// Replace a tensor's values (same count) in place.
pub(super) fn overwrite<T: Copy>(
    op: &'static str,
    shape: &[usize],
    dst: &mut [T],
    src: &[T],
) -> Result<()> {
    check_len(op, shape, src.len())?;
    dst.copy_from_slice(src);
    Ok(())
}

/// [rows] followed by the sample shape.
pub(super) fn batch_shape(rows: usize, sample: &[usize]) -> Vec<usize> {
    let mut shape = vec![rows];
    shape.extend_from_slice(sample);
    shape
}
