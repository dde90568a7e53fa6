// GELU as Keras's default (approximate=False): gelu_forward y = x·Φ(x), Φ the standard
// normal CDF, Φ(x) = erfc(−x/√2)/2; gelu_backward dx = dy·(Φ(x) + x·φ(x)) with
// φ(x) = e^(−x²/2)/√(2π), from the forward input x. WGSL has no erf: erfc is Numerical
// Recipes' Chebyshev fit (relative error < 1.2e-7 for every argument), so x·Φ(x) keeps its
// relative precision far into the negative tail, and ±100 give x and 0, not NaN.

// Params p, x → y and saved, dy → dx come from shaders/lib/unary.wgsl.

fn erfc_approx(z: f32) -> f32 {
    let a = abs(z);
    let t = 1.0 / (1.0 + 0.5 * a);
    let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277))))))));
    let r = t * exp(-a * a + poly);
    return select(2.0 - r, r, z >= 0.0);
}

fn normal_cdf(v: f32) -> f32 {
    return 0.5 * erfc_approx(-v * 0.70710678);
}

@compute @workgroup_size(256)
fn gelu_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let v = x[i];
        y[i] = v * normal_cdf(v);
    }
}

@compute @workgroup_size(256)
fn gelu_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let v = saved[i];
        let pdf = exp(-0.5 * v * v) * 0.39894228;
        dx[i] = dy[i] * (normal_cdf(v) + v * pdf);
    }
}
