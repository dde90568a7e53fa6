// 2-D max-pooling in NHWC ('valid' windows, floor like Keras). maxpool_forward writes the
// maximum of each window and the flat input index it came from (first maximum on ties);
// maxpool_backward routes dy back to those indices, as a gather over the windows that
// cover each input pixel (windows may overlap when the stride is below the pool size).

struct Params {
    n: u32,
    h: u32,
    w: u32,
    c: u32,
    ph: u32,
    pw: u32,
    sh: u32,
    sw: u32,
    oh: u32,
    ow: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
// The _vec4 entries (C % 4 == 0) handle four channels per invocation.
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> argmax4: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> argmax_in4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> dx4: array<vec4<f32>>;

// divmod(i, d) = (i / d, i % d) comes from shaders/lib/divmod.wgsl, which the registry
// prepends to this file.

@compute @workgroup_size(256)
fn maxpool_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= p.n * p.oh * p.ow * p.c {
        return;
    }
    let pc = divmod(i, p.c);
    let ci = pc.y;
    let img = divmod(pc.x, p.ow * p.oh);
    let nn = img.x;
    let yx = divmod(img.y, p.ow);
    let oy = yx.x;
    let ox = yx.y;
    var best = -3.0e38;
    var best_i = 0xffffffffu;
    for (var ky = 0u; ky < p.ph; ky++) {
        for (var kx = 0u; kx < p.pw; kx++) {
            let src = ((nn * p.h + oy * p.sh + ky) * p.w + ox * p.sw + kx) * p.c + ci;
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

@compute @workgroup_size(256)
fn maxpool_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= p.n * p.h * p.w * p.c {
        return;
    }
    let pc = divmod(i, p.c);
    let ci = pc.y;
    let img = divmod(pc.x, p.w * p.h);
    let nn = img.x;
    let yx = divmod(img.y, p.w);
    let yy = yx.x;
    let xx = yx.y;
    // Windows oy with oy·sh ≤ yy < oy·sh + ph.
    var oy_lo = 0u;
    if yy >= p.ph {
        oy_lo = divmod(yy - p.ph, p.sh).x + 1u;
    }
    let oy_hi = min(divmod(yy, p.sh).x + 1u, p.oh);
    var ox_lo = 0u;
    if xx >= p.pw {
        ox_lo = divmod(xx - p.pw, p.sw).x + 1u;
    }
    let ox_hi = min(divmod(xx, p.sw).x + 1u, p.ow);
    var s = 0.0;
    for (var oy = oy_lo; oy < oy_hi; oy++) {
        for (var ox = ox_lo; ox < ox_hi; ox++) {
            let o = ((nn * p.oh + oy) * p.ow + ox) * p.c + ci;
            if argmax_in[o] == i {
                s += dy[o];
            }
        }
    }
    dx[i] = s;
}

@compute @workgroup_size(256)
fn maxpool_forward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    let c4 = p.c / 4u;
    if i >= p.n * p.oh * p.ow * c4 {
        return;
    }
    let pc = divmod(i, c4);
    let img = divmod(pc.x, p.ow * p.oh);
    let yx = divmod(img.y, p.ow);
    let lanes = vec4<u32>(0u, 1u, 2u, 3u);
    // The window's first element, then strictly greater ones: the first maximum wins.
    let first = (img.x * p.h + yx.x * p.sh) * p.w + yx.y * p.sw;
    var best = x4[first * c4 + pc.y];
    var best_i = (first * c4 + pc.y) * 4u + lanes;
    for (var ky = 0u; ky < p.ph; ky++) {
        for (var kx = 0u; kx < p.pw; kx++) {
            let src = ((img.x * p.h + yx.x * p.sh + ky) * p.w + yx.y * p.sw + kx) * c4 + pc.y;
            let v = x4[src];
            let better = v > best;
            best = select(best, v, better);
            best_i = select(best_i, src * 4u + lanes, better);
        }
    }
    y4[i] = best;
    argmax4[i] = best_i;
}

@compute @workgroup_size(256)
fn maxpool_backward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    let c4 = p.c / 4u;
    if i >= p.n * p.h * p.w * c4 {
        return;
    }
    let pc = divmod(i, c4);
    let img = divmod(pc.x, p.w * p.h);
    let yx = divmod(img.y, p.w);
    let yy = yx.x;
    let xx = yx.y;
    var oy_lo = 0u;
    if yy >= p.ph {
        oy_lo = divmod(yy - p.ph, p.sh).x + 1u;
    }
    let oy_hi = min(divmod(yy, p.sh).x + 1u, p.oh);
    var ox_lo = 0u;
    if xx >= p.pw {
        ox_lo = divmod(xx - p.pw, p.sw).x + 1u;
    }
    let ox_hi = min(divmod(xx, p.sw).x + 1u, p.ow);
    let mine = i * 4u + vec4<u32>(0u, 1u, 2u, 3u);
    var s = vec4<f32>(0.0);
    for (var oy = oy_lo; oy < oy_hi; oy++) {
        for (var ox = ox_lo; ox < ox_hi; ox++) {
            let o = ((img.x * p.oh + oy) * p.ow + ox) * c4 + pc.y;
            s += select(vec4<f32>(0.0), dy4[o], argmax_in4[o] == mine);
        }
    }
    dx4[i] = s;
}
