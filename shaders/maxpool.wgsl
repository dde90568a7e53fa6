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

@compute @workgroup_size(256)
fn maxpool_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= p.n * p.oh * p.ow * p.c {
        return;
    }
    var t = i;
    let ci = t % p.c;
    t = t / p.c;
    let ox = t % p.ow;
    t = t / p.ow;
    let oy = t % p.oh;
    let nn = t / p.oh;
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
    var t = i;
    let ci = t % p.c;
    t = t / p.c;
    let xx = t % p.w;
    t = t / p.w;
    let yy = t % p.h;
    let nn = t / p.h;
    // Windows oy with oy·sh ≤ yy < oy·sh + ph.
    var oy_lo = 0u;
    if yy >= p.ph {
        oy_lo = (yy - p.ph) / p.sh + 1u;
    }
    let oy_hi = min(yy / p.sh + 1u, p.oh);
    var ox_lo = 0u;
    if xx >= p.pw {
        ox_lo = (xx - p.pw) / p.sw + 1u;
    }
    let ox_hi = min(xx / p.sw + 1u, p.ow);
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
