// SGD with momentum, as Keras defines it: velocity ← momentum·velocity − lr·g, then
// θ ← θ + velocity, or with Nesterov θ ← θ + momentum·velocity − lr·g.
// With momentum 0 this is plain θ ← θ − lr·g.

struct Params {
    n: u32,
    momentum: f32,
    nesterov: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;
// This update's learning rate (constant, or written by lr_schedule_forward).
@group(0) @binding(4) var<storage, read> lr: array<f32>;

@compute @workgroup_size(256)
fn sgd_update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n {
        return;
    }
    let g = grad[i];
    let vel = p.momentum * velocity[i] - lr[0] * g;
    velocity[i] = vel;
    if p.nesterov != 0u {
        param[i] = param[i] + p.momentum * vel - lr[0] * g;
    } else {
        param[i] = param[i] + vel;
    }
}
