// 2-D average pooling in NHWC ('valid' windows, floor like Keras's AveragePooling2D).
// avgpool_forward: y[n, oy, ox, c] = the mean of its ph × pw window, one thread per output;
// avgpool_backward: dx[n, y, x, c] = Σ dy over the windows covering the pixel / (ph·pw),
// one thread per input element (a gather: no atomics; windows overlap when the stride is
// below the pool size).

// Params p (the Pool2dGeometry), x → y and dy come from shaders/lib/pool2d.wgsl.

@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

// divmod, nhwc_index and windows_covering come from shaders/lib/ (prepended).

@compute @workgroup_size(256)
fn avgpool_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n * p.oh * p.ow * p.c {
        return;
    }
    let at = nhwc_index(i, p.oh, p.ow, p.c);
    var s = 0.0;
    for (var ky = 0u; ky < p.ph; ky++) {
        for (var kx = 0u; kx < p.pw; kx++) {
            s += x[((at.x * p.h + at.y * p.sh + ky) * p.w + at.z * p.sw + kx) * p.c + at.w];
        }
    }
    y[i] = s / f32(p.ph * p.pw);
}

@compute @workgroup_size(256)
fn avgpool_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n * p.h * p.w * p.c {
        return;
    }
    let at = nhwc_index(i, p.h, p.w, p.c);
    let oys = windows_covering(at.y, p.ph, p.sh, p.oh);
    let oxs = windows_covering(at.z, p.pw, p.sw, p.ow);
    var s = 0.0;
    for (var oy = oys.x; oy < oys.y; oy++) {
        for (var ox = oxs.x; ox < oxs.y; ox++) {
            s += dy[((at.x * p.oh + oy) * p.ow + ox) * p.c + at.w];
        }
    }
    dx[i] = s / f32(p.ph * p.pw);
}
