// 2-D average pooling in NHWC ('valid' windows, floor like Keras's AveragePooling2D;
// 'same': the mean of the window's cells inside the input, as TensorFlow and Keras).
// avgpool_forward: y[n, oy, ox, c] = the mean of its window, one thread per output;
// avgpool_backward: dx[n, y, x, c] = Σ dy / (cells) over the windows covering the pixel,
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
    let rows = window_range(at.y, p.ph, p.sh, p.pad_top, p.h);
    let cols = window_range(at.z, p.pw, p.sw, p.pad_left, p.w);
    for (var iy = rows.x; iy < rows.y; iy++) {
        for (var ix = cols.x; ix < cols.y; ix++) {
            s += x[((at.x * p.h + iy) * p.w + ix) * p.c + at.w];
        }
    }
    y[i] = s / f32((rows.y - rows.x) * (cols.y - cols.x));
}

@compute @workgroup_size(256)
fn avgpool_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n * p.h * p.w * p.c {
        return;
    }
    let at = nhwc_index(i, p.h, p.w, p.c);
    let oys = windows_covering(at.y + p.pad_top, p.ph, p.sh, p.oh);
    let oxs = windows_covering(at.z + p.pad_left, p.pw, p.sw, p.ow);
    var s = 0.0;
    for (var oy = oys.x; oy < oys.y; oy++) {
        let rows = window_range(oy, p.ph, p.sh, p.pad_top, p.h);
        for (var ox = oxs.x; ox < oxs.y; ox++) {
            let cols = window_range(ox, p.pw, p.sw, p.pad_left, p.w);
            let cells = f32((rows.y - rows.x) * (cols.y - cols.x));
            s += dy[((at.x * p.oh + oy) * p.ow + ox) * p.c + at.w] / cells;
        }
    }
    dx[i] = s;
}
