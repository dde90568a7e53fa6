// Global pooling over the spatial axes of x[N, H, W, C] (NHWC), as Keras's
// GlobalAveragePooling2D / GlobalMaxPooling2D: y[N, C]. hw = H·W.
// global_avg_pool_forward: y[n, c] = Σ_{p<hw} x[n, p, c] / hw, one thread per (n, c);
// global_avg_pool_backward: dx[n, p, c] = dy[n, c] / hw, one thread per input element.
// global_max_pool_forward: y[n, c] = max_p x[n, p, c] and the flat index of the first
// maximum; global_max_pool_backward: dx = dy[n, c] where that index is the element's own,
// else 0 (a gather per input element: no atomics).

struct Params {
    n: u32,
    hw: u32,
    c: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> argmax_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx_max: array<f32>;

@compute @workgroup_size(64)
fn global_avg_pool_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let o = grid_index(gid, nwg, 64u);
    if o >= p.n * p.c {
        return;
    }
    let nn = o / p.c;
    let ch = o - nn * p.c;
    var s = 0.0;
    for (var i = 0u; i < p.hw; i++) {
        s += x[(nn * p.hw + i) * p.c + ch];
    }
    y[o] = s / f32(p.hw);
}

@compute @workgroup_size(256)
fn global_avg_pool_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n * p.hw * p.c {
        return;
    }
    let nn = i / (p.hw * p.c);
    let ch = i % p.c;
    dx[i] = dy[nn * p.c + ch] / f32(p.hw);
}

@compute @workgroup_size(64)
fn global_max_pool_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let o = grid_index(gid, nwg, 64u);
    if o >= p.n * p.c {
        return;
    }
    let nn = o / p.c;
    let ch = o - nn * p.c;
    var best_i = nn * p.hw * p.c + ch;
    var best = x[best_i];
    for (var i = 1u; i < p.hw; i++) {
        let at = (nn * p.hw + i) * p.c + ch;
        if x[at] > best {
            best = x[at];
            best_i = at;
        }
    }
    y[o] = best;
    argmax[o] = best_i;
}

@compute @workgroup_size(256)
fn global_max_pool_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n * p.hw * p.c {
        return;
    }
    let o = (i / (p.hw * p.c)) * p.c + i % p.c;
    dx_max[i] = select(0.0, dy[o], argmax_in[o] == i);
}
