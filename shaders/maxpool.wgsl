// 2-D max-pooling in NHWC ('valid' windows, floor like Keras; 'same': the windows' cells
// outside the input are skipped, as TensorFlow). maxpool_forward writes the
// maximum of each window and the flat input index it came from (first maximum on ties);
// maxpool_backward routes dy back to those indices, as a gather over the windows that
// cover each input pixel (windows may overlap when the stride is below the pool size).
// maxpool_backward_masked (and _vec4) also apply the ReLU derivative of the layer before:
// dx = [x > 0] · (the gather), x the pool's input (that layer's output), so the layer
// skips its relu_backward dispatch; the bits are those of the two kernels.

// Params p (the Pool2dGeometry), x → y and dy come from shaders/lib/pool2d.wgsl.

@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(2) var<storage, read> argmax_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
// The _vec4 entries (C % 4 == 0) handle four channels per invocation.
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> argmax4: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> argmax_in4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> dx4: array<vec4<f32>>;
// The pool's input, for the _masked entries.
@group(0) @binding(4) var<storage, read> relu_out: array<f32>;
@group(0) @binding(4) var<storage, read> relu_out4: array<vec4<f32>>;

// divmod(i, d) = (i / d, i % d), nhwc_index(i, h, w, c) = (n, y, x, c) and
// windows_covering come from shaders/lib/divmod.wgsl, nhwc.wgsl and pool2d.wgsl, which
// the registry prepends to this file.


@compute @workgroup_size(256)
fn maxpool_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n * p.oh * p.ow * p.c {
        return;
    }
    let at = nhwc_index(i, p.oh, p.ow, p.c);
    let nn = at.x;
    let oy = at.y;
    let ox = at.z;
    let ci = at.w;
    var best = -3.0e38;
    var best_i = 0xffffffffu;
    let rows = window_range(oy, p.ph, p.sh, p.pad_top, p.h);
    let cols = window_range(ox, p.pw, p.sw, p.pad_left, p.w);
    for (var iy = rows.x; iy < rows.y; iy++) {
        for (var ix = cols.x; ix < cols.y; ix++) {
            let src = ((nn * p.h + iy) * p.w + ix) * p.c + ci;
            let v = x[src];
            if best_i == 0xffffffffu || v > best {
                best = v;
                best_i = src;
            }
        }
    }
    y[i] = best;
    argmax[i] = best_i;
}

// Σ dy over the windows covering input i whose argmax is i.
fn gathered(i: u32) -> f32 {
    let at = nhwc_index(i, p.h, p.w, p.c);
    let oys = windows_covering(at.y + p.pad_top, p.ph, p.sh, p.oh);
    let oxs = windows_covering(at.z + p.pad_left, p.pw, p.sw, p.ow);
    var s = 0.0;
    for (var oy = oys.x; oy < oys.y; oy++) {
        for (var ox = oxs.x; ox < oxs.y; ox++) {
            let o = ((at.x * p.oh + oy) * p.ow + ox) * p.c + at.w;
            if argmax_in[o] == i {
                s += dy[o];
            }
        }
    }
    return s;
}

@compute @workgroup_size(256)
fn maxpool_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n * p.h * p.w * p.c {
        dx[i] = gathered(i);
    }
}

@compute @workgroup_size(256)
fn maxpool_backward_masked(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n * p.h * p.w * p.c {
        dx[i] = select(0.0, gathered(i), relu_out[i] > 0.0);
    }
}

@compute @workgroup_size(256)
fn maxpool_forward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    let c4 = p.c / 4u;
    if i >= p.n * p.oh * p.ow * c4 {
        return;
    }
    let at = nhwc_index(i, p.oh, p.ow, c4);
    let lanes = vec4<u32>(0u, 1u, 2u, 3u);
    // The window's first element, then strictly greater ones: the first maximum wins.
    let rows = window_range(at.y, p.ph, p.sh, p.pad_top, p.h);
    let cols = window_range(at.z, p.pw, p.sw, p.pad_left, p.w);
    let first = (at.x * p.h + rows.x) * p.w + cols.x;
    var best = x4[first * c4 + at.w];
    var best_i = (first * c4 + at.w) * 4u + lanes;
    for (var iy = rows.x; iy < rows.y; iy++) {
        for (var ix = cols.x; ix < cols.y; ix++) {
            let src = ((at.x * p.h + iy) * p.w + ix) * c4 + at.w;
            let v = x4[src];
            let better = v > best;
            best = select(best, v, better);
            best_i = select(best_i, src * 4u + lanes, better);
        }
    }
    y4[i] = best;
    argmax4[i] = best_i;
}

// Four channels of `gathered`.
fn gathered4(i: u32) -> vec4<f32> {
    let c4 = p.c / 4u;
    let at = nhwc_index(i, p.h, p.w, c4);
    let oys = windows_covering(at.y + p.pad_top, p.ph, p.sh, p.oh);
    let oxs = windows_covering(at.z + p.pad_left, p.pw, p.sw, p.ow);
    let mine = i * 4u + vec4<u32>(0u, 1u, 2u, 3u);
    var s = vec4<f32>(0.0);
    for (var oy = oys.x; oy < oys.y; oy++) {
        for (var ox = oxs.x; ox < oxs.y; ox++) {
            let o = ((at.x * p.oh + oy) * p.ow + ox) * c4 + at.w;
            s += select(vec4<f32>(0.0), dy4[o], argmax_in4[o] == mine);
        }
    }
    return s;
}

@compute @workgroup_size(256)
fn maxpool_backward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n * p.h * p.w * (p.c / 4u) {
        dx4[i] = gathered4(i);
    }
}

@compute @workgroup_size(256)
fn maxpool_backward_masked_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n * p.h * p.w * (p.c / 4u) {
        dx4[i] = select(vec4<f32>(0.0), gathered4(i), relu_out4[i] > vec4<f32>(0.0));
    }
}
