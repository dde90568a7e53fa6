//! Launcher for `shaders/matmul.wgsl` (CPU twin: `cpu::matmul`).

use super::expect_len;
use crate::cpu::Layout;
use crate::error::{shape_err, Result};
use crate::gpu::{Gpu, GpuTensor, Kernel};

/// Rows per workgroup tile (WG_Y·TM) and columns (WG_X·TN) of the shader's defaults.
const TILE_M: usize = 8 * 4;
const TILE_N: usize = 16 * 4;

/// Flags of the shader's epilogue.
const ADD_BIAS: u32 = 1;
const RELU: u32 = 2;
const ACCUMULATE: u32 = 4;

/// c[m,n] = op(a)·op(b) (+ bias[n]) (ReLU if `relu`), in a new tensor.
/// Shapes by `layout`: NN a[m,k]·b[k,n]; TN a[k,m]ᵀ·b[k,n]; NT a[m,k]·b[n,k]ᵀ.
/// Inputs of more than two dimensions are read as matrices over their last axis.
pub fn matmul(
    gpu: &Gpu,
    a: &GpuTensor,
    b: &GpuTensor,
    bias: Option<&GpuTensor>,
    layout: Layout,
    relu: bool,
) -> Result<GpuTensor> {
    let (m, n, _) = dims(a, b, layout)?;
    let c = gpu.empty(&[m, n], crate::gpu::DType::F32)?;
    matmul_into(gpu, a, b, bias, layout, relu, &c, false)?;
    Ok(c)
}

/// Like [`matmul`] into an existing c[m,n]; `accumulate` adds to c instead of overwriting.
#[allow(clippy::too_many_arguments)]
pub fn matmul_into(
    gpu: &Gpu,
    a: &GpuTensor,
    b: &GpuTensor,
    bias: Option<&GpuTensor>,
    layout: Layout,
    relu: bool,
    c: &GpuTensor,
    accumulate: bool,
) -> Result<()> {
    let (m, n, k) = dims(a, b, layout)?;
    expect_len("matmul", "output c", c, m * n)?;
    if let Some(bias) = bias {
        expect_len("matmul", "bias", bias, n)?;
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        return shape_err("matmul", "inner dimension k is 0");
    }
    let kernel = match layout {
        Layout::NN => Kernel::MatmulNN,
        Layout::TN => Kernel::MatmulTN,
        Layout::NT => Kernel::MatmulNT,
    };
    let mut flags = 0;
    if bias.is_some() {
        flags |= ADD_BIAS;
    }
    if relu {
        flags |= RELU;
    }
    if accumulate {
        flags |= ACCUMULATE;
    }
    // Without a bias the shader never reads binding 3, but it must be bound: reuse `a`.
    let bias_buf = bias.map_or(&a.buffer, |t| &t.buffer);
    let groups = [n.div_ceil(TILE_N) as u32, m.div_ceil(TILE_M) as u32, 1];
    gpu.dispatch(
        kernel,
        &[m as u32, n as u32, k as u32, flags],
        &[&a.buffer, &b.buffer, bias_buf, &c.buffer],
        groups,
    )
}

/// (m, n, k) for `layout`, or a shape error naming both operands.
fn dims(a: &GpuTensor, b: &GpuTensor, layout: Layout) -> Result<(usize, usize, usize)> {
    let (ar, ac) = super::rows_cols(a);
    let (br, bc) = super::rows_cols(b);
    let (m, ka, kb, n) = match layout {
        Layout::NN => (ar, ac, br, bc),
        Layout::TN => (ac, ar, br, bc),
        Layout::NT => (ar, ac, bc, br),
    };
    if ka != kb {
        return shape_err(
            "matmul",
            format!(
                "{layout:?}: a {:?} and b {:?} disagree on the inner dimension ({ka} vs {kb})",
                a.shape(),
                b.shape()
            ),
        );
    }
    Ok((m, n, ka))
}
