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

@compute @workgroup_size(256)
fn im2col_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    let total = p.n * p.oh * p.ow * p.kh * p.kw * p.c;
    if i >= total {
        return;
    }
    var t = i;
    let ci = t % p.c;
    t = t / p.c;
    let kx = t % p.kw;
    t = t / p.kw;
    let ky = t % p.kh;
    t = t / p.kh;
    let ox = t % p.ow;
    t = t / p.ow;
    let oy = t % p.oh;
    let nn = t / p.oh;
    let iy = i32(oy * p.sh + ky) - i32(p.pad_top);
    let ix = i32(ox * p.sw + kx) - i32(p.pad_left);
    var v = 0.0;
    if iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w) {
        v = x[((nn * p.h + u32(iy)) * p.w + u32(ix)) * p.c + ci];
    }
    cols[i] = v;
}

@compute @workgroup_size(256)
fn im2col_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    let total = p.n * p.h * p.w * p.c;
    if i >= total {
        return;
    }
    var t = i;
    let ci = t % p.c;
    t = t / p.c;
    let xx = t % p.w;
    t = t / p.w;
    let yy = t % p.h;
    let nn = t / p.h;
    let row_len = p.kh * p.kw * p.c;
    var s = 0.0;
    for (var ky = 0u; ky < p.kh; ky++) {
        let ty = i32(yy + p.pad_top) - i32(ky);
        if ty < 0 || u32(ty) % p.sh != 0u || u32(ty) / p.sh >= p.oh {
            continue;
        }
        let oy = u32(ty) / p.sh;
        for (var kx = 0u; kx < p.kw; kx++) {
            let tx = i32(xx + p.pad_left) - i32(kx);
            if tx < 0 || u32(tx) % p.sw != 0u || u32(tx) / p.sw >= p.ow {
                continue;
            }
            let ox = u32(tx) / p.sw;
            s += dcols[((nn * p.oh + oy) * p.ow + ox) * row_len + (ky * p.kw + kx) * p.c + ci];
        }
    }
    dx[i] = s;
}
