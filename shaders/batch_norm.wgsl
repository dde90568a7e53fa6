// Batch normalization over the last axis of x[rows, C] (every other axis folds into rows),
// as Keras's BatchNormalization (axis −1). stats[2, C] holds each channel's batch mean and
// 1/√(var + ε) (var the biased batch variance).
// batch_norm_statistics: one workgroup per channel; two passes (mean, then Σ(x − mean)²)
//   over a strided share per thread, summed in workgroup memory; writes stats and moves
//   moving_mean/moving_var toward the batch's (m ← m·momentum + batch·(1 − momentum)).
// batch_norm_forward: y = γ·(x − mean)·inv_std + β with the batch's stats (training).
// batch_norm_inference_forward: the same with the moving statistics.
// batch_norm_backward_parameters: one workgroup per channel: dβ = Σ dy, dγ = Σ dy·x̂.
// batch_norm_backward: dx = γ·inv_std/rows · (rows·dy − dβ − x̂·dγ), x̂ = (x − mean)·inv_std.

struct Params {
    rows: u32,
    c: u32,
    momentum: f32,
    epsilon: f32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// batch_norm_statistics
@group(0) @binding(2) var<storage, read_write> stats_out: array<f32>;
@group(0) @binding(3) var<storage, read_write> moving_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> moving_var: array<f32>;
// batch_norm_forward
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
// batch_norm_inference_forward
@group(0) @binding(2) var<storage, read> mean_in: array<f32>;
@group(0) @binding(3) var<storage, read> var_in: array<f32>;
@group(0) @binding(4) var<storage, read> gamma_i: array<f32>;
@group(0) @binding(5) var<storage, read> beta_i: array<f32>;
@group(0) @binding(6) var<storage, read_write> y_i: array<f32>;
// batch_norm_backward_parameters and batch_norm_backward
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> stats_b: array<f32>;
@group(0) @binding(4) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(5) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(4) var<storage, read> gamma_b: array<f32>;
@group(0) @binding(5) var<storage, read> dgamma_in: array<f32>;
@group(0) @binding(6) var<storage, read> dbeta_in: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;

var<workgroup> partial: array<f32, 64>;
var<workgroup> partial2: array<f32, 64>;

// Sum `partial` (and `partial2`) over the workgroup; every thread gets the totals.
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

// The channel of a one-workgroup-per-channel launch (folded like grid_index).
fn channel_of(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.x + wid.y * nwg.x;
}

@compute @workgroup_size(64)
fn batch_norm_statistics(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let ch = channel_of(wid, nwg);
    // Uniform control flow: every thread of a workgroup has the same channel.
    if ch >= p.c {
        return;
    }
    var s = 0.0;
    for (var r = lid; r < p.rows; r += WG) {
        s += x[r * p.c + ch];
    }
    partial[lid] = s;
    partial2[lid] = 0.0;
    let mean = workgroup_sums(lid).x / f32(p.rows);
    var q = 0.0;
    for (var r = lid; r < p.rows; r += WG) {
        let d = x[r * p.c + ch] - mean;
        q += d * d;
    }
    partial[lid] = q;
    partial2[lid] = 0.0;
    let variance = workgroup_sums(lid).x / f32(p.rows);
    if lid == 0u {
        stats_out[ch] = mean;
        stats_out[p.c + ch] = inverseSqrt(variance + p.epsilon);
        moving_mean[ch] = moving_mean[ch] * p.momentum + mean * (1.0 - p.momentum);
        moving_var[ch] = moving_var[ch] * p.momentum + variance * (1.0 - p.momentum);
    }
}

@compute @workgroup_size(256)
fn batch_norm_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.rows * p.c {
        let ch = i % p.c;
        y[i] = gamma[ch] * ((x[i] - stats[ch]) * stats[p.c + ch]) + beta[ch];
    }
}

@compute @workgroup_size(256)
fn batch_norm_inference_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.rows * p.c {
        let ch = i % p.c;
        let inv_std = inverseSqrt(var_in[ch] + p.epsilon);
        y_i[i] = gamma_i[ch] * ((x[i] - mean_in[ch]) * inv_std) + beta_i[ch];
    }
}

@compute @workgroup_size(64)
fn batch_norm_backward_parameters(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let ch = channel_of(wid, nwg);
    if ch >= p.c {
        return;
    }
    let mean = stats_b[ch];
    let inv_std = stats_b[p.c + ch];
    var sb = 0.0;
    var sg = 0.0;
    for (var r = lid; r < p.rows; r += WG) {
        let i = r * p.c + ch;
        sb += dy[i];
        sg += dy[i] * (x[i] - mean) * inv_std;
    }
    partial[lid] = sb;
    partial2[lid] = sg;
    let totals = workgroup_sums(lid);
    if lid == 0u {
        dbeta[ch] = totals.x;
        dgamma[ch] = totals.y;
    }
}

@compute @workgroup_size(256)
fn batch_norm_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.rows * p.c {
        let ch = i % p.c;
        let inv_std = stats_b[p.c + ch];
        let xhat = (x[i] - stats_b[ch]) * inv_std;
        let n = f32(p.rows);
        dx[i] = gamma_b[ch] * inv_std / n * (n * dy[i] - dbeta_in[ch] - xhat * dgamma_in[ch]);
    }
}
