// Sum of a whole vector into out[0], times scale (flags 1 = add to out[0] instead of
// overwriting). One workgroup: each thread sums a strided slice, then a tree reduction in
// workgroup memory. Used for the batch mean of per-row losses and for metrics.

struct Params {
    n: u32,
    scale: f32,
    flags: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn sum_forward(@builtin(local_invocation_index) lid: u32) {
    var s = 0.0;
    for (var i = lid; i < p.n; i += 256u) {
        s += x[i];
    }
    partial[lid] = s;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride / 2u) {
        if lid < stride {
            partial[lid] += partial[lid + stride];
        }
        workgroupBarrier();
    }
    if lid == 0u {
        var v = partial[0] * p.scale;
        if (p.flags & 1u) != 0u {
            v += out[0];
        }
        out[0] = v;
    }
}
