// Decoupled weight decay, as Keras applies it before an optimizer's update (AdamW):
// θ ← θ − θ·wd·lr.

struct Params {
    n: u32,
    wd: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
// This update's learning rate (constant, or written by lr_schedule_forward).
@group(0) @binding(2) var<storage, read> lr: array<f32>;

@compute @workgroup_size(256)
fn weight_decay_update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        param[i] = param[i] - param[i] * p.wd * lr[0];
    }
}
