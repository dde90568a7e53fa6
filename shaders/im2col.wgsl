// im2col for Conv2D in NHWC. im2col_forward unrolls each receptive field of x[N,H,W,C]
// into a row of cols[N·OH·OW, KH·KW·C] (column order ky, kx, c — the Keras kernel layout
// [KH,KW,C,F] flattened), zero where the window hangs over the padding. im2col_backward
// (col2im) is its adjoint: dx[n,y,x,c] sums every cols entry that read x[n,y,x,c]; it is a
// gather per input pixel, so no atomics and a deterministic result.

struct Params {
    n: u32,
    h: u32,
    w: u32,
    c: u32,
    kh: u32,
    kw: u32,
    sh: u32,
    sw: u32,
    pad_top: u32,
    pad_left: u32,
    oh: u32,
    ow: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> cols: array<f32>;
@group(0) @binding(1) var<storage, read> dcols: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
// The _vec4 entries (C % 4 == 0) move four channels per invocation: a quarter of the
// invocations and index decodes, and vec4 loads and stores.
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> cols4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> dcols4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dx4: array<vec4<f32>>;

// divmod(i, d) = (i / d, i % d) and nhwc_index(i, h, w, c) = (n, y, x, c) come from
// shaders/lib/divmod.wgsl and nhwc.wgsl, which the registry prepends to this file.

// col2im along one axis: the output position whose window reads padded input position
// `pos` at kernel offset k (pos = o·stride + k), or −1 if none does.
fn window_reading(pos: u32, k: u32, stride: u32, out: u32) -> i32 {
    let t = i32(pos) - i32(k);
    if t < 0 {
        return -1;
    }
    let q = divmod(u32(t), stride);
    if q.y != 0u || q.x >= out {
        return -1;
    }
    return i32(q.x);
}

@compute @workgroup_size(256)
fn im2col_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    let total = p.n * p.h * p.w * p.c;
    if i >= total {
        return;
    }
    let at = nhwc_index(i, p.h, p.w, p.c);
    let nn = at.x;
    let yy = at.y;
    let xx = at.z;
    let ci = at.w;
    let row_len = p.kh * p.kw * p.c;
    var s = 0.0;
    for (var ky = 0u; ky < p.kh; ky++) {
        let oy = window_reading(yy + p.pad_top, ky, p.sh, p.oh);
        if oy < 0 {
            continue;
        }
        for (var kx = 0u; kx < p.kw; kx++) {
            let ox = window_reading(xx + p.pad_left, kx, p.sw, p.ow);
            if ox < 0 {
                continue;
            }
            s += dcols[((nn * p.oh + u32(oy)) * p.ow + u32(ox)) * row_len + (ky * p.kw + kx) * p.c + ci];
        }
    }
    dx[i] = s;
}

@compute @workgroup_size(256)
fn im2col_forward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    let c4 = p.c / 4u;
    let row_len4 = p.kh * p.kw * c4;
    if i >= p.n * p.oh * p.ow * row_len4 {
        return;
    }
    let rc = divmod(i, row_len4);
    let pix = divmod(rc.x, p.ow * p.oh);
    let oyx = divmod(pix.y, p.ow);
    let kc = divmod(rc.y, p.kw * c4);
    let kxc = divmod(kc.y, c4);
    let iy = i32(oyx.x * p.sh + kc.x) - i32(p.pad_top);
    let ix = i32(oyx.y * p.sw + kxc.x) - i32(p.pad_left);
    var v = vec4<f32>(0.0);
    if iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w) {
        v = x4[((pix.x * p.h + u32(iy)) * p.w + u32(ix)) * c4 + kxc.y];
    }
    cols4[i] = v;
}

@compute @workgroup_size(256)
fn im2col_backward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    let c4 = p.c / 4u;
    if i >= p.n * p.h * p.w * c4 {
        return;
    }
    let at = nhwc_index(i, p.h, p.w, c4);
    let yy = at.y;
    let xx = at.z;
    let row_len4 = p.kh * p.kw * c4;
    var s = vec4<f32>(0.0);
    for (var ky = 0u; ky < p.kh; ky++) {
        let oy = window_reading(yy + p.pad_top, ky, p.sh, p.oh);
        if oy < 0 {
            continue;
        }
        for (var kx = 0u; kx < p.kw; kx++) {
            let ox = window_reading(xx + p.pad_left, kx, p.sw, p.ow);
            if ox < 0 {
                continue;
            }
            s += dcols4[((at.x * p.oh + u32(oy)) * p.ow + u32(ox)) * row_len4 + (ky * p.kw + kx) * c4 + at.w];
        }
    }
    dx4[i] = s;
}

// im2col_forward: one invocation per cols row (a whole receptive field), used when
// C % 4 != 0, e.g. the first conv of a grayscale model (C = 1: a row is only KH·KW
// values; one element per invocation spent its time decoding indices, 1.5 ms per seed
// CNN step). The row is decoded once, then ky, kx, c in order.
@compute @workgroup_size(256)
fn im2col_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let row = grid_index(gid, nwg, 256u);
    if row >= p.n * p.oh * p.ow {
        return;
    }
    let pix = divmod(row, p.ow * p.oh);
    let oyx = divmod(pix.y, p.ow);
    let nn = pix.x;
    let row_len = p.kh * p.kw * p.c;
    var o = row * row_len;
    for (var ky = 0u; ky < p.kh; ky++) {
        let iy = i32(oyx.x * p.sh + ky) - i32(p.pad_top);
        let y_in = iy >= 0 && iy < i32(p.h);
        for (var kx = 0u; kx < p.kw; kx++) {
            let ix = i32(oyx.y * p.sw + kx) - i32(p.pad_left);
            let inside = y_in && ix >= 0 && ix < i32(p.w);
            let base = ((nn * p.h + u32(max(iy, 0))) * p.w + u32(max(ix, 0))) * p.c;
            for (var ci = 0u; ci < p.c; ci++) {
                var v = 0.0;
                if inside {
                    v = x[base + ci];
                }
                cols[o] = v;
                o++;
            }
        }
    }
}
