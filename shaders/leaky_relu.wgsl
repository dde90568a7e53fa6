// Leaky ReLU as Keras's activation "leaky_relu" (negative_slope 0.2): leaky_relu_forward
// y = x for x > 0, else 0.2·x; leaky_relu_backward dx = dy for y > 0, else 0.2·dy, from the
// forward output (y > 0 exactly where x > 0). The bindings come from shaders/lib/unary.wgsl.

const NEGATIVE_SLOPE: f32 = 0.2;

@compute @workgroup_size(256)
fn leaky_relu_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let v = x[i];
        y[i] = select(NEGATIVE_SLOPE * v, v, v > 0.0);
    }
}

@compute @workgroup_size(256)
fn leaky_relu_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        dx[i] = select(NEGATIVE_SLOPE * dy[i], dy[i], saved[i] > 0.0);
    }
}
