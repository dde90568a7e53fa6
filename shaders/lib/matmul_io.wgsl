// What matmul.wgsl and matmul_vec4.wgsl share: C[m, n] = op(A)·op(B) (+ bias[n]) (then
// ReLU), flags 1 = add bias, 2 = ReLU; TM rows of C per workgroup; WG_X threads per
// workgroup, set per adapter by the runtime (a pipeline-overridable constant). Binding 2
// (B) is declared by each shader: f32 in matmul.wgsl, vec4 in matmul_vec4.wgsl.

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
