// Layer normalization over the last axis of x[rows, c], as Keras's LayerNormalization
// (axis −1): each row is normalised by its own mean and biased variance, then scaled by
// γ[c] and shifted by β[c]. stats[rows, 2] holds each row's mean and 1/√(var + ε).
// layer_norm_forward: one workgroup per row; two passes (mean, then Σ(x − mean)²) over a
//   strided share per thread, summed in workgroup memory; y = γ·(x − mean)·inv_std + β.
// layer_norm_backward: one workgroup per row; with g = dy·γ and x̂ = (x − mean)·inv_std,
//   dx = inv_std · (g − mean(g) − x̂·mean(g·x̂)), and prod = dy·x̂ (whose column sums are
//   dγ; the launcher's caller sums them, and dy's for dβ, with bias_backward).

struct Params {
    rows: u32,
    c: u32,
    epsilon: f32,
    _pad: u32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// layer_norm_forward
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats_out: array<f32>;
// layer_norm_backward
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> gamma_b: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> prod: array<f32>;

var<workgroup> partial: array<f32, 64>;
var<workgroup> partial2: array<f32, 64>;

// Sum `partial` and `partial2` over the workgroup; every thread gets the totals.
fn workgroup_sums(lid: u32) -> vec2<f32> {
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
        if lid < stride {
            partial[lid] += partial[lid + stride];
            partial2[lid] += partial2[lid + stride];
        }
        workgroupBarrier();
    }
    let totals = vec2<f32>(partial[0], partial2[0]);
    workgroupBarrier();
    return totals;
}

@compute @workgroup_size(64)
fn layer_norm_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let r = wid.x + wid.y * nwg.x;
    // Uniform control flow: every thread of a workgroup has the same row.
    if r >= p.rows {
        return;
    }
    let base = r * p.c;
    var s = 0.0;
    for (var j = lid; j < p.c; j += WG) {
        s += x[base + j];
    }
    partial[lid] = s;
    partial2[lid] = 0.0;
    let mean = workgroup_sums(lid).x / f32(p.c);
    var s2 = 0.0;
    for (var j = lid; j < p.c; j += WG) {
        let d = x[base + j] - mean;
        s2 += d * d;
    }
    partial[lid] = s2;
    partial2[lid] = 0.0;
    let variance = workgroup_sums(lid).x / f32(p.c);
    let inv = 1.0 / sqrt(variance + p.epsilon);
    for (var j = lid; j < p.c; j += WG) {
        y[base + j] = gamma[j] * ((x[base + j] - mean) * inv) + beta[j];
    }
    if lid == 0u {
        stats_out[2u * r] = mean;
        stats_out[2u * r + 1u] = inv;
    }
}

@compute @workgroup_size(64)
fn layer_norm_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let r = wid.x + wid.y * nwg.x;
    if r >= p.rows {
        return;
    }
    let base = r * p.c;
    let mean = stats[2u * r];
    let inv = stats[2u * r + 1u];
    var sg = 0.0;
    var sgx = 0.0;
    for (var j = lid; j < p.c; j += WG) {
        let xhat = (x[base + j] - mean) * inv;
        let g = dy[base + j] * gamma_b[j];
        sg += g;
        sgx += g * xhat;
    }
    partial[lid] = sg;
    partial2[lid] = sgx;
    let sums = workgroup_sums(lid) / f32(p.c);
    for (var j = lid; j < p.c; j += WG) {
        let xhat = (x[base + j] - mean) * inv;
        let d = dy[base + j];
        dx[base + j] = inv * (d * gamma_b[j] - sums.x - xhat * sums.y);
        prod[base + j] = d * xhat;
    }
}
