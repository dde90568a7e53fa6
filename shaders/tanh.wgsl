// Tanh: tanh_forward y = tanh(x), computed from e^(−2|x|) so large |x| gives ±1, not NaN;
// tanh_backward dx = dy · (1 − y²), from the forward output y.

// Params p, x → y and saved, dy → dx come from shaders/lib/unary.wgsl.

@compute @workgroup_size(256)
fn tanh_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let v = x[i];
        let e = exp(-2.0 * abs(v));
        let t = (1.0 - e) / (1.0 + e);
        y[i] = select(-t, t, v >= 0.0);
    }
}

@compute @workgroup_size(256)
fn tanh_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let t = saved[i];
        dx[i] = dy[i] * (1.0 - t * t);
    }
}
