// Adam (Kingma & Ba 2015, Algorithm 1). The step counter t lives on the GPU and is
// advanced by counter.wgsl before a step's updates; adam_update applies, per element:
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   m̂ = m / (1−β1^t);     v̂ = v / (1−β2^t)
//   θ ← θ − lr · m̂ / (√v̂ + ε)

struct Params {
    n: u32,
    beta1: f32,
    beta2: f32,
    eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> step_in: array<u32>;
// This update's learning rate (constant, or written by lr_schedule_forward).
@group(0) @binding(6) var<storage, read> lr: array<f32>;

@compute @workgroup_size(256)
fn adam_update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n {
        return;
    }
    let t = f32(step_in[0]);
    let g = grad[i];
    let m1 = p.beta1 * m[i] + (1.0 - p.beta1) * g;
    let v1 = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
    m[i] = m1;
    v[i] = v1;
    let m_hat = m1 / (1.0 - pow(p.beta1, t));
    let v_hat = v1 / (1.0 - pow(p.beta2, t));
    param[i] = param[i] - lr[0] * m_hat / (sqrt(v_hat) + p.eps);
}
