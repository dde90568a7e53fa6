// What matmul.wgsl and matmul_vec4.wgsl share: C[m, n] = op(A)·op(B) (+ bias[n]) (then
// ReLU), flags 1 = add bias, 2 = ReLU; TM rows of C per workgroup; WG_X threads per
// workgroup, set per adapter by the runtime (a pipeline-overridable constant). Binding 2
// (B) is declared by each shader: f32 in matmul.wgsl, vec4 in matmul_vec4.wgsl.
// The NT `_masked` entries (the input gradient dY·Wᵀ): binding 3 holds no bias but the
// layer's input x, and each output is kept only where x > 0 — the ReLU derivative of the
// layer before, applied here so that layer skips its relu_backward dispatch (the same
// bits). Only those entries carry the code (see store()); no flag selects it.
// flags 4 (TN only, the weight gradient Xᵀ·dY): one extra row of workgroups, past M's
// tiles, also writes db[n] = Σ_k B[k, n] (the bias gradient, column sums of dY) to binding
// 5, summing in bias.wgsl's order (so the same bits), and the layer needs no second
// dispatch for it.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    flags: u32,
}

const TM: u32 = 8u;
override WG_X: u32 = 16u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
@group(0) @binding(5) var<storage, read_write> db: array<f32>;

// Whether this workgroup is one of flags 4's extra row (uniform across the workgroup).
fn is_bias_tile(wid: vec3<u32>) -> bool {
    return (p.flags & 4u) != 0u && wid.y * TM >= p.m;
}
