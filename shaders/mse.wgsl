// Mean squared error. mse_forward writes sq[i] = (pred[i] − truth[i])² (the mean is a
// `sum` dispatch with scale 1/n); mse_backward dpred = 2·(pred − truth)·scale, with
// scale = 1/n for the mean over every element.

struct Params {
    n: u32,
    scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> truth: array<f32>;
@group(0) @binding(3) var<storage, read_write> sq: array<f32>;
@group(0) @binding(3) var<storage, read_write> dpred: array<f32>;

@compute @workgroup_size(256)
fn mse_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let d = pred[i] - truth[i];
        sq[i] = d * d;
    }
}

@compute @workgroup_size(256)
fn mse_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        dpred[i] = 2.0 * (pred[i] - truth[i]) * p.scale;
    }
}
