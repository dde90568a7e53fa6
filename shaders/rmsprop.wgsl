// RMSprop as Keras 3 defines it (not centered): velocity ← ρ·velocity + (1 − ρ)·g²;
// increment = lr·g / √(velocity + ε); with momentum μ > 0, momentum ← μ·momentum +
// increment and θ ← θ − momentum, else θ ← θ − increment.

struct Params {
    n: u32,
    rho: f32,
    momentum: f32,
    eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;
@group(0) @binding(4) var<storage, read_write> momentum: array<f32>;
// This update's learning rate (constant, or written by lr_schedule_forward).
@group(0) @binding(5) var<storage, read> lr: array<f32>;

@compute @workgroup_size(256)
fn rmsprop_update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n {
        return;
    }
    let g = grad[i];
    let v = p.rho * velocity[i] + (1.0 - p.rho) * (g * g);
    velocity[i] = v;
    let increment = lr[0] * g / sqrt(v + p.eps);
    if p.momentum > 0.0 {
        let m = p.momentum * momentum[i] + increment;
        momentum[i] = m;
        param[i] = param[i] - m;
    } else {
        param[i] = param[i] - increment;
    }
}
