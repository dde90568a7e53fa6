// Gradient clipping as Keras's optimizers do it before an update (one of the two):
// clip_value_update g ← clamp(g, −c, c) elementwise (clipvalue);
// clip_norm_update g ← g·c / max(‖g‖₂, c) for the whole tensor (clipnorm), in one
// workgroup: each thread sums the squares of a strided share, the workgroup adds the
// partial sums in shared memory, then every thread scales its share.

struct Params {
    n: u32,
    c: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn clip_value_update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        grad[i] = clamp(grad[i], -p.c, p.c);
    }
}

@compute @workgroup_size(256)
fn clip_norm_update(@builtin(local_invocation_index) lid: u32) {
    var s = 0.0;
    for (var i = lid; i < p.n; i += 256u) {
        let g = grad[i];
        s += g * g;
    }
    partial[lid] = s;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride >>= 1u) {
        if lid < stride {
            partial[lid] += partial[lid + stride];
        }
        workgroupBarrier();
    }
    let denom = max(sqrt(partial[0]), p.c);
    for (var i = lid; i < p.n; i += 256u) {
        grad[i] = grad[i] * p.c / denom;
    }
}
