//! The workgroup grid a matmul launches, worked out before anything runs, so that a model
//! whose products an adapter cannot launch (more workgroups in one dimension than its
//! `max_compute_workgroups_per_dimension`, e.g. the weight gradient of a Dense layer with
//! more than 524,280 inputs on the register kernels' 8-row tiles) is refused when it is
//! built, naming the layer and the fix, instead of failing at the first step.

use super::matmul::{COLS_PER_THREAD, TILE_M};
use super::matmul_split::{form, Form, SPLIT_TILE};
use crate::gpu::Gpu;
use crate::shape::Layout;

/// Workgroups per dimension ([x over columns of C, y over its rows, z over split-K
/// chunks]) of the matmul C[m, n] over `k` in `layout` on the kernel this adapter's table
/// picks; `bias_grad`: the TN product that also writes the bias gradient (one more row
/// of workgroups on the register kernels). For the register family the columns are
/// counted at the narrowest tile, so the count is never below the launch's.
pub fn matmul_grid(
    gpu: &Gpu,
    (m, n, k): (usize, usize, usize),
    layout: Layout,
    bias_grad: bool,
) -> [u64; 3] {
    let kernel = gpu.tuning().matmul.get(layout, m, n, k);
    let up = |a: usize, b: usize| a.div_ceil(b) as u64;
    match form(gpu, (m, n, k), layout, kernel) {
        Form::Split(chunk) => {
            let splits = chunk.map_or(1, |c| up(k, c));
            [up(n, SPLIT_TILE), up(m, SPLIT_TILE), splits]
        }
        Form::Tiled(ts) => [up(n, ts), up(m, ts), 1],
        Form::Register => {
            let wg_x = gpu.tuning().matmul_wg_x as usize;
            let rows = up(m, TILE_M) + bias_grad as u64;
            [up(n, wg_x * COLS_PER_THREAD), rows, 1]
        }
    }
}
