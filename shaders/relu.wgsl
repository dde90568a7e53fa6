// ReLU: relu_forward y = max(x, 0); relu_backward dx = dy · [x > 0], from the
// forward output (y > 0 exactly where x > 0).

// Params p, x → y and saved, dy → dx come from shaders/lib/unary.wgsl.
// relu_backward_vec4 (n % 4 == 0): four elements per invocation.
@group(0) @binding(1) var<storage, read> saved4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dx4: array<vec4<f32>>;

@compute @workgroup_size(256)
fn relu_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        y[i] = max(x[i], 0.0);
    }
}

@compute @workgroup_size(256)
fn relu_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        dx[i] = select(0.0, dy[i], saved[i] > 0.0);
    }
}

@compute @workgroup_size(256)
fn relu_backward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n / 4u {
        dx4[i] = select(vec4<f32>(0.0), dy4[i], saved4[i] > vec4<f32>(0.0));
    }
}
