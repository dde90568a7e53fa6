// Sigmoid: sigmoid_forward y = 1 / (1 + e^-x), computed without overflow for large |x|;
// sigmoid_backward dx = dy · y · (1 − y), from the forward output y.

// Params p, x → y and saved, dy → dx come from shaders/lib/unary.wgsl.

@compute @workgroup_size(256)
fn sigmoid_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let v = x[i];
        let e = exp(-abs(v));
        y[i] = select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
    }
}

@compute @workgroup_size(256)
fn sigmoid_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let s = saved[i];
        dx[i] = dy[i] * s * (1.0 - s);
    }
}
