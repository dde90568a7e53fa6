// Bias over the last axis: bias_forward y[r,c] = x[r,c] + b[c];
// bias_backward db[c] = Σ_r dy[r,c] (column sums; flags 1 = accumulate into db);
// bias_backward_split: the same sums over long row counts as matmul_split.wgsl's bias
// gradient makes them, chunk rows per split (workgroup z) into partials [splits][cols]
// that matmul_split_reduce adds in split order: the same bits as the fused weight-gradient
// matmul at the same chunk.

struct Params {
    rows: u32,
    cols: u32,
    flags: u32,
    chunk: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(256)
fn bias_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.rows * p.cols {
        return;
    }
    y[i] = x[i] + b[i % p.cols];
}

@compute @workgroup_size(64)
fn bias_backward(@builtin(global_invocation_id) gid: vec3<u32>) {
    let col = gid.x;
    if col >= p.cols {
        return;
    }
    var s = 0.0;
    for (var r = 0u; r < p.rows; r++) {
        s += dy[r * p.cols + col];
    }
    if (p.flags & 1u) != 0u {
        s += db[col];
    }
    db[col] = s;
}

@compute @workgroup_size(64)
fn bias_backward_split(@builtin(global_invocation_id) gid: vec3<u32>) {
    let col = gid.x;
    if col >= p.cols {
        return;
    }
    let r0 = gid.z * p.chunk;
    let r1 = min(r0 + p.chunk, p.rows);
    var s = 0.0;
    for (var r = r0; r < r1; r++) {
        s += dy[r * p.cols + col];
    }
    db[gid.z * p.cols + col] = s;
}
