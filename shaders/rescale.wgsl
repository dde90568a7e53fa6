// Rescaling, as Keras's layers.Rescaling: rescale_forward y = x·scale + offset;
// rescale_backward dx = dy·scale (the offset is a constant).

struct Params {
    n: u32,
    scale: f32,
    offset: f32,
    pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn rescale_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        y[i] = x[i] * p.scale + p.offset;
    }
}

@compute @workgroup_size(256)
fn rescale_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        dx[i] = dy[i] * p.scale;
    }
}
