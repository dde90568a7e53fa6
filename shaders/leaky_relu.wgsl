// Leaky ReLU with negative slope p.alpha ≥ 0 (Keras's activation "leaky_relu": 0.2; its
// LeakyReLU layer: 0.3 by default): leaky_relu_forward y = x for x > 0, else alpha·x;
// leaky_relu_backward dx = dy for y > 0, else alpha·dy, from the forward output (y > 0
// exactly where x > 0). The bindings come from shaders/lib/unary.wgsl.

@compute @workgroup_size(256)
fn leaky_relu_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let v = x[i];
        y[i] = select(p.alpha * v, v, v > 0.0);
    }
}

@compute @workgroup_size(256)
fn leaky_relu_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        dx[i] = select(p.alpha * dy[i], dy[i], saved[i] > 0.0);
    }
}
