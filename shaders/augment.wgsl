// Keras's RandomFlip / RandomTranslation / RandomRotation / RandomZoom on NHWC images, as
// one inverse affine map per image (CPU twin: src/cpu/augment.rs, which documents the
// parameters). Output pixel (x, y) reads the input at X = a0·x + a1·y + a2,
// Y = b0·x + b1·y + b2, nearest or bilinear, outside filled by reflect / wrap / constant /
// nearest. The map's parameters are drawn per image from the PCG hash of
// (seed, step[0], 2·image + draw), and all coordinate math is fixed-point integer (16
// fraction bits), so the twin reads the same pixels with the same weights bit for bit.
// augment_forward: one thread per output element.
// augment_backward: dx, the transpose, one thread per input element, as a gather (no
//   atomics, deterministic): the virtual source indices that fill to this pixel (one per
//   reflected / wrapped copy, or the run clamped to an edge) within the range the image's
//   map reaches; for each copy, the output pixels whose source lies within a pixel of it
//   (a box found through the inverse map, one pixel of margin); for each of those, its
//   taps recomputed exactly as the forward pass does, adding weight·dy for a tap on that
//   copy. Each (output, tap) lands on exactly one copy, so it is counted once.

struct Params {
    count: u32,
    h: u32,
    w: u32,
    c: u32,
    seed: u32,
    kind: u32,
    flags: u32,
    fill: u32,
    interp: u32,
    fill_value: f32,
    lo0: u32,
    span0: u32,
    lo1: u32,
    span1: u32,
    planes: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> step: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

const ONE: i32 = 65536;

fn pcg(v: u32) -> u32 {
    let s = v * 747796405u + 2891336453u;
    let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
    return (w >> 22u) ^ w;
}

// The high 32 bits of a·b, from 16-bit halves.
fn mulhi(a: u32, b: u32) -> u32 {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let mid = ((a0 * b0) >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    return a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
}

// a·b / 2^31 (truncated), for a, b ≤ 2^31.
fn mul31(a: u32, b: u32) -> u32 {
    return (mulhi(a, b) << 1u) | ((a * b) >> 31u);
}

// (cos, sin) in Q31 of π·y / 2^31 ∈ [0, π/4] (Taylor polynomials).
fn cos_sin_octant(y: u32) -> vec2<u32> {
    let one = 0x80000000u;
    let y2 = mul31(y, y);
    var c = one / 40320u;
    c = one / 720u - mul31(y2, c);
    c = one / 24u - mul31(y2, c);
    c = one / 2u - mul31(y2, c);
    c = one - mul31(y2, c);
    var s = one / 362880u;
    s = one / 5040u - mul31(y2, s);
    s = one / 120u - mul31(y2, s);
    s = one / 6u - mul31(y2, s);
    s = mul31(y, one - mul31(y2, s));
    return vec2<u32>(c, s);
}

fn q16(v: u32) -> i32 {
    return i32((v + 16384u) >> 15u);
}

// (cos, sin) in Q16 of t / 2^32 turns.
fn cos_sin(t: u32) -> vec2<i32> {
    let quadrant = t >> 30u;
    let r = t & 0x3fffffffu;
    var cs: vec2<u32>;
    if r > (1u << 29u) {
        cs = cos_sin_octant(mulhi((0x40000000u - r) << 2u, 3373259426u)).yx;
    } else {
        cs = cos_sin_octant(mulhi(r << 2u, 3373259426u));
    }
    let c = q16(cs.x);
    let s = q16(cs.y);
    var out = vec2<i32>(s, -c);
    switch quadrant {
        case 0u: { out = vec2<i32>(c, s); }
        case 1u: { out = vec2<i32>(-s, c); }
        case 2u: { out = vec2<i32>(-c, -s); }
        default: {}
    }
    return out;
}

fn draw(s: u32, d: u32) -> u32 {
    return pcg(pcg(p.seed ^ pcg(step[0])) ^ (s * 2u + d));
}

fn ranged(h: u32, lo: u32, span: u32) -> i32 {
    return i32(lo) + i32(mulhi(h, span));
}

struct Matrix {
    a0: i32,
    a1: i32,
    a2: i32,
    b0: i32,
    b1: i32,
    b2: i32,
}

// Image s's inverse map (Q16).
fn image_matrix(s: u32) -> Matrix {
    let h = i32(p.h);
    let w = i32(p.w);
    var m = Matrix(ONE, 0, 0, 0, ONE, 0);
    if p.kind == 0u {
        if draw(s, 0u) < 0x80000000u {
            if (p.flags & 1u) != 0u {
                m.a0 = -ONE;
                m.a2 = (w - 1) << 16u;
            }
            if (p.flags & 2u) != 0u {
                m.b1 = -ONE;
                m.b2 = (h - 1) << 16u;
            }
        }
    } else if p.kind == 1u {
        m.b2 = -ranged(draw(s, 0u), p.lo0, p.span0);
        m.a2 = -ranged(draw(s, 1u), p.lo1, p.span1);
    } else if p.kind == 2u {
        let turn = u32(ranged(draw(s, 0u), p.lo0, p.span0));
        let cs = cos_sin(turn << 2u);
        let c = cs.x;
        let sn = cs.y;
        m = Matrix(c, -sn, ((w - 1) * (ONE - c) + (h - 1) * sn) >> 1u,
                   sn, c, ((h - 1) * (ONE - c) - (w - 1) * sn) >> 1u);
    } else {
        let zy = ranged(draw(s, 0u), p.lo0, p.span0);
        var zx = zy;
        if (p.flags & 4u) == 0u {
            zx = ranged(draw(s, 1u), p.lo1, p.span1);
        }
        m = Matrix(zx, 0, ((w - 1) * (ONE - zx)) >> 1u, 0, zy, ((h - 1) * (ONE - zy)) >> 1u);
    }
    return m;
}

// a mod b in [0, b) for b > 0. `%` and `/` only ever see non-negative operands here:
// GLSL leaves them undefined for negative ones, and llvmpipe's GL gave wrong pixels.
fn mod_floor(a: i32, b: i32) -> i32 {
    if a >= 0 { return a % b; }
    let r = (-a) % b;
    return select(b - r, 0, r == 0);
}

// The input index virtual index i reads on an axis of `size`; -1: the constant.
fn fix(i: i32, size: i32) -> i32 {
    var m = clamp(i, 0, size - 1);
    if p.fill == 0u {
        let period = 2 * size;
        m = mod_floor(i, period);
        if m >= size { m = period - 1 - m; }
    } else if p.fill == 1u {
        m = mod_floor(i, size);
    } else if p.fill == 2u && (i < 0 || i >= size) {
        m = -1;
    }
    return m;
}

// The plane offset (iy·w + ix) of virtual pixel (iy, ix), or -1 for the constant.
fn at(iy: i32, ix: i32) -> i32 {
    let fy = fix(iy, i32(p.h));
    let fx = fix(ix, i32(p.w));
    if fy < 0 || fx < 0 { return -1; }
    return fy * i32(p.w) + fx;
}

fn round_q16(v: i32) -> i32 {
    if v >= 0 { return (v + 32768) >> 16u; }
    return -((-v + 32768) >> 16u);
}

// The virtual (unfilled) source indices and weights of output pixel (x, y): one tap
// (nearest) or four (bilinear).
struct VTaps {
    vy: vec4<i32>,
    vx: vec4<i32>,
    wt: vec4<f32>,
    n: u32,
}

fn vtaps(m: Matrix, x: i32, y: i32) -> VTaps {
    let sx = m.a0 * x + m.a1 * y + m.a2;
    let sy = m.b0 * x + m.b1 * y + m.b2;
    if p.interp == 0u {
        return VTaps(vec4<i32>(round_q16(sy)), vec4<i32>(round_q16(sx)),
                     vec4<f32>(1.0, 0.0, 0.0, 0.0), 1u);
    }
    let x0 = sx >> 16u;
    let y0 = sy >> 16u;
    let fx = f32(sx & 0xffff) / 65536.0;
    let fy = f32(sy & 0xffff) / 65536.0;
    return VTaps(
        vec4<i32>(y0, y0, y0 + 1, y0 + 1),
        vec4<i32>(x0, x0 + 1, x0, x0 + 1),
        vec4<f32>((1.0 - fy) * (1.0 - fx), (1.0 - fy) * fx, fy * (1.0 - fx), fy * fx),
        4u,
    );
}

@compute @workgroup_size(256)
fn augment_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.count { return; }
    let ch = i % p.c;
    let pix = i / p.c;
    let ox = pix % p.w;
    let oy = (pix / p.w) % p.h;
    let s = pix / (p.w * p.h);
    let t = vtaps(image_matrix(s), i32(ox), i32(oy));
    let base = s * p.h * p.w * p.c + ch;
    var acc = 0.0;
    for (var j = 0u; j < t.n; j = j + 1u) {
        let a = at(t.vy[j], t.vx[j]);
        var v = p.fill_value;
        if a >= 0 { v = src[base + u32(a) * p.c]; }
        acc = acc + t.wt[j] * v;
    }
    dst[i] = acc;
}

// floor(a / b) for b > 0 (non-negative operands only, as mod_floor).
fn floor_div(a: i32, b: i32) -> i32 {
    if a >= 0 { return a / b; }
    return -((-a + b - 1) / b);
}

// The k-th run [first, last] of virtual indices within [lo, hi] that `fix` maps to q on an
// axis of `size`, in increasing order; first > last when there is no k-th.
fn run_of(k: i32, q: i32, size: i32, lo: i32, hi: i32) -> vec2<i32> {
    if p.fill == 3u {
        var r = vec2<i32>(q, q);
        if q == 0 { r.x = min(lo, 0); }
        if q == size - 1 { r.y = max(hi, size - 1); }
        r = vec2<i32>(max(r.x, lo), min(r.y, hi));
        if k > 0 { r = vec2<i32>(1, 0); }
        return r;
    }
    if p.fill == 2u {
        if k > 0 || q < lo || q > hi { return vec2<i32>(1, 0); }
        return vec2<i32>(q, q);
    }
    // Reflect: q and 2·size − 1 − q in each period of 2·size; wrap: q in each of size.
    var period = size;
    var per = 1;
    if p.fill == 0u {
        period = 2 * size;
        per = 2;
    }
    let first_base = floor_div(lo, period) * period;
    var seen = 0;
    for (var base = first_base; base <= hi; base = base + period) {
        var a = q + base;
        var b = period - 1 - q + base;
        if per == 1 { b = a; }
        let lo_v = min(a, b);
        let hi_v = max(a, b);
        for (var j = 0; j < per; j = j + 1) {
            var v = lo_v;
            if j == 1 { v = hi_v; }
            if v >= lo && v <= hi {
                if seen == k { return vec2<i32>(v, v); }
                seen = seen + 1;
            }
        }
    }
    return vec2<i32>(1, 0);
}

@compute @workgroup_size(256)
fn augment_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.count { return; }
    let ch = i % p.c;
    let pix = i / p.c;
    let ix = i32(pix % p.w);
    let iy = i32((pix / p.w) % p.h);
    let s = pix / (p.w * p.h);
    let h = i32(p.h);
    let w = i32(p.w);
    let m = image_matrix(s);
    // The virtual indices the map reaches: from its sources at the four corners.
    let cx = vec4<i32>(0, w - 1, 0, w - 1);
    let cy = vec4<i32>(0, 0, h - 1, h - 1);
    let sx = m.a0 * cx + m.a1 * cy + vec4<i32>(m.a2);
    let sy = m.b0 * cx + m.b1 * cy + vec4<i32>(m.b2);
    let xlo = min(min(sx.x, sx.y), min(sx.z, sx.w)) >> 16u;
    let xhi = (max(max(sx.x, sx.y), max(sx.z, sx.w)) >> 16u) + 1;
    let ylo = min(min(sy.x, sy.y), min(sy.z, sy.w)) >> 16u;
    let yhi = (max(max(sy.x, sy.y), max(sy.z, sy.w)) >> 16u) + 1;
    // The inverse of the map, in f32 (only to find the boxes, with a pixel of margin).
    let a0 = f32(m.a0) / 65536.0;
    let a1 = f32(m.a1) / 65536.0;
    let b0 = f32(m.b0) / 65536.0;
    let b1 = f32(m.b1) / 65536.0;
    let tx = f32(m.a2) / 65536.0;
    let ty = f32(m.b2) / 65536.0;
    let det = a0 * b1 - a1 * b0;
    let img = s * p.h * p.w * p.c + ch;
    var acc = 0.0;
    var ky = 0;
    loop {
        let ry = run_of(ky, iy, h, ylo, yhi);
        if ry.x > ry.y { break; }
        var kx = 0;
        loop {
            let rx = run_of(kx, ix, w, xlo, xhi);
            if rx.x > rx.y { break; }
            var lo = vec2<f32>(3.0e38);
            var hi = vec2<f32>(-3.0e38);
            for (var k = 0u; k < 4u; k = k + 1u) {
                let X = f32(select(rx.x - 1, rx.y + 1, (k & 1u) != 0u)) - tx;
                let Y = f32(select(ry.x - 1, ry.y + 1, (k & 2u) != 0u)) - ty;
                let o = vec2<f32>((b1 * X - a1 * Y) / det, (a0 * Y - b0 * X) / det);
                lo = min(lo, o);
                hi = max(hi, o);
            }
            let big = vec2<f32>(f32(w), f32(h));
            let o0 = vec2<i32>(clamp(floor(lo) - 1.0, vec2<f32>(0.0), big));
            let o1 = vec2<i32>(clamp(ceil(hi) + 1.0, vec2<f32>(-1.0), big - 1.0));
            for (var oy = o0.y; oy <= o1.y; oy = oy + 1) {
                for (var ox = o0.x; ox <= o1.x; ox = ox + 1) {
                    let t = vtaps(m, ox, oy);
                    var wsum = 0.0;
                    for (var j = 0u; j < t.n; j = j + 1u) {
                        if t.vy[j] >= ry.x && t.vy[j] <= ry.y && t.vx[j] >= rx.x && t.vx[j] <= rx.y {
                            wsum = wsum + t.wt[j];
                        }
                    }
                    if wsum != 0.0 {
                        acc = acc + wsum * src[img + u32(oy * w + ox) * p.c];
                    }
                }
            }
            kx = kx + 1;
        }
        ky = ky + 1;
    }
    dst[i] = acc;
}
