// Depthwise 2-D convolution over an NHWC batch, as Keras's DepthwiseConv2D: input
// x[n, h, w, c], kernel w[kh, kw, c, dm], output y[n, oh, ow, c·dm] whose channel
// co = ch·dm + m is input channel ch through its m-th filter (zero padding pad_top,
// pad_left before the input; strides sh, sw).
// depthwise_conv_forward: one thread per output element, y = Σ_{ky,kx} x·w (+ bias[co],
// then ReLU; flags 1 = bias, 2 = ReLU).
// depthwise_conv_backward: one thread per input element, dx[n, iy, ix, ch] =
// Σ_{oy,ox,m} dy[n, oy, ox, ch·dm + m]·w[ky, kx, ch, m] over the outputs whose window
// holds (iy, ix).
// depthwise_conv_weight_grad: dw[ky, kx, ch, m] = Σ over the batch·oh·ow positions of
// x·dy, summed in chunks: workgroup z = s owns positions [s·chunk, min((s+1)·chunk, P)) and
// writes its raw sum to partial[s][kh·kw·c·dm]; with one split that is dw, otherwise
// matmul_split_reduce adds the splits in split order (the same bits on every run).

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
    dm: u32,
    flags: u32,
    chunk: u32,
    positions: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
// depthwise_conv_forward
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wk: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
// depthwise_conv_backward
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> wk_b: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
// depthwise_conv_weight_grad
@group(0) @binding(1) var<storage, read> xw: array<f32>;
@group(0) @binding(2) var<storage, read> dyw: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

// divmod and nhwc_index come from shaders/lib/ (prepended).

@compute @workgroup_size(256)
fn depthwise_conv_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    let cdm = p.c * p.dm;
    if i >= p.n * p.oh * p.ow * cdm {
        return;
    }
    let at = nhwc_index(i, p.oh, p.ow, cdm);
    let cm = divmod(at.w, p.dm);
    let ch = cm.x;
    var acc = 0.0;
    for (var ky = 0u; ky < p.kh; ky++) {
        let iy = i32(at.y * p.sh + ky) - i32(p.pad_top);
        if iy < 0 || iy >= i32(p.h) {
            continue;
        }
        for (var kx = 0u; kx < p.kw; kx++) {
            let ix = i32(at.z * p.sw + kx) - i32(p.pad_left);
            if ix < 0 || ix >= i32(p.w) {
                continue;
            }
            let xv = x[((at.x * p.h + u32(iy)) * p.w + u32(ix)) * p.c + ch];
            acc += xv * wk[((ky * p.kw + kx) * p.c + ch) * p.dm + cm.y];
        }
    }
    if (p.flags & 1u) != 0u {
        acc += bias[at.w];
    }
    if (p.flags & 2u) != 0u {
        acc = max(acc, 0.0);
    }
    y[i] = acc;
}

// The output rows (columns) whose window, `k` long with stride `s` and `pad` before the
// input, covers input row `i`: [first, last + 1), clipped to the `out` outputs.
fn covering(i: u32, k: u32, s: u32, pad: u32, out: u32) -> vec2<u32> {
    let t = i + pad; // the row in padded coordinates
    var first = 0u;
    if t + 1u > k {
        first = (t + 1u - k + s - 1u) / s; // ⌈(t − k + 1) / s⌉
    }
    let last = min(t / s + 1u, out);
    return vec2<u32>(first, max(first, last));
}

@compute @workgroup_size(256)
fn depthwise_conv_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n * p.h * p.w * p.c {
        return;
    }
    let at = nhwc_index(i, p.h, p.w, p.c);
    let cdm = p.c * p.dm;
    let rows = covering(at.y, p.kh, p.sh, p.pad_top, p.oh);
    let cols = covering(at.z, p.kw, p.sw, p.pad_left, p.ow);
    var acc = 0.0;
    for (var oy = rows.x; oy < rows.y; oy++) {
        let ky = at.y + p.pad_top - oy * p.sh;
        for (var ox = cols.x; ox < cols.y; ox++) {
            let kx = at.z + p.pad_left - ox * p.sw;
            let d = ((at.x * p.oh + oy) * p.ow + ox) * cdm + at.w * p.dm;
            let k = ((ky * p.kw + kx) * p.c + at.w) * p.dm;
            for (var m = 0u; m < p.dm; m++) {
                acc += dy[d + m] * wk_b[k + m];
            }
        }
    }
    dx[i] = acc;
}

@compute @workgroup_size(64)
fn depthwise_conv_weight_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let wi = gid.x + gid.y * nwg.x * 64u;
    let cdm = p.c * p.dm;
    let total = p.kh * p.kw * cdm;
    if wi >= total {
        return;
    }
    // wi = ((ky·kw + kx)·c + ch)·dm + m, so wi mod c·dm is the output channel.
    let co = wi % cdm;
    let ch = co / p.dm;
    let kyx = wi / cdm;
    let ky = kyx / p.kw;
    let kx = kyx % p.kw;
    let p0 = gid.z * p.chunk;
    let p1 = min(p0 + p.chunk, p.positions);
    // (img, oy, ox) of position p0, then stepped along.
    var ox = p0 % p.ow;
    var oy = (p0 / p.ow) % p.oh;
    var img = p0 / (p.ow * p.oh);
    var acc = 0.0;
    for (var q = p0; q < p1; q++) {
        let iy = i32(oy * p.sh + ky) - i32(p.pad_top);
        let ix = i32(ox * p.sw + kx) - i32(p.pad_left);
        if iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w) {
            let xv = xw[((img * p.h + u32(iy)) * p.w + u32(ix)) * p.c + ch];
            acc += xv * dyw[q * cdm + co];
        }
        ox += 1u;
        if ox == p.ow {
            ox = 0u;
            oy += 1u;
            if oy == p.oh {
                oy = 0u;
                img += 1u;
            }
        }
    }
    partial[gid.z * total + wi] = acc;
}
