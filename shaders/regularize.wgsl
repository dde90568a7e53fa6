// Keras's weight penalties (kernel_regularizer / bias_regularizer: L1, L2, L1L2).
// regularize_forward: the penalty l1·Σ|w| + l2·Σw² in parts: each workgroup of 256
// threads takes 1024 consecutive weights (4 per thread), sums its share with a tree in
// workgroup memory and writes partial[workgroup]; sum_forward then adds the ⌈n/1024⌉
// parts (so no thread loops over a whole tensor).
// regularize_backward: grad[i] += l1·sign(w[i]) + 2·l2·w[i] (sign(0) = 0, as Keras), one
// thread per weight, after the layer's backward wrote grad and before clipping.

struct Params {
    n: u32,
    l1: f32,
    l2: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
// partial[⌈n/1024⌉] (forward) or grad[n] (backward).
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn regularize_forward(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let group = wid.x + wid.y * nwg.x;
    let base = group * 1024u;
    var s = 0.0;
    for (var k = 0u; k < 4u; k++) {
        let i = base + k * 256u + lid;
        if i < p.n {
            let v = w[i];
            s += p.l1 * abs(v) + p.l2 * v * v;
        }
    }
    partial[lid] = s;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride >>= 1u) {
        if lid < stride {
            partial[lid] += partial[lid + stride];
        }
        workgroupBarrier();
    }
    if lid == 0u && base < p.n {
        out[group] = partial[0];
    }
}

@compute @workgroup_size(256)
fn regularize_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let v = w[i];
        out[i] = out[i] + p.l1 * sign(v) + 2.0 * p.l2 * v;
    }
}
