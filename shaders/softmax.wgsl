// Row-wise softmax over the last axis of x[rows, cols], one thread per row.
// softmax_forward y = e^(x − max) / Σ e^(x − max);
// softmax_backward dx = y ⊙ (dy − Σ_j dy_j·y_j), from the forward output y.

struct Params {
    rows: u32,
    cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> y_in: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(64)
fn softmax_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = grid_index(gid, nwg, 64u);
    if r >= p.rows {
        return;
    }
    let base = r * p.cols;
    // softmax_row (shaders/lib/softmax_row.wgsl): y = e^(x − max), returns (max, Σ).
    let inv = 1.0 / softmax_row(base, p.cols).y;
    for (var j = 0u; j < p.cols; j++) {
        y[base + j] *= inv;
    }
}

@compute @workgroup_size(64)
fn softmax_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = grid_index(gid, nwg, 64u);
    if r >= p.rows {
        return;
    }
    let base = r * p.cols;
    var dot = 0.0;
    for (var j = 0u; j < p.cols; j++) {
        dot += dy[base + j] * y_in[base + j];
    }
    for (var j = 0u; j < p.cols; j++) {
        dx[base + j] = y_in[base + j] * (dy[base + j] - dot);
    }
}
