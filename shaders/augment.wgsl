// Keras's RandomFlip / RandomTranslation / RandomRotation / RandomZoom on NHWC images, as
// one inverse affine map per image (CPU twin: src/cpu/augment.rs, which documents the
// parameters). Output pixel (x, y) reads the input at X = a0·x + a1·y + a2,
// Y = b0·x + b1·y + b2, nearest or bilinear, outside filled by reflect / wrap / constant /
// nearest. The map's parameters are drawn per image from the PCG hash of
// (seed, step[0], 2·image + draw), and all coordinate math is fixed-point integer (16
// fraction bits), so the twin reads the same pixels with the same weights bit for bit.
// augment_forward: one thread per output element.
// augment_backward: dx, the transpose, one thread per (image, channel) plane: it zeroes
//   its plane, then adds each output's weighted dy onto the pixels that output read, in
//   the twin's order (deterministic, no atomics).

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

// The input index virtual index i reads on an axis of `size`; -1: the constant.
fn fix(i: i32, size: i32) -> i32 {
    var m = clamp(i, 0, size - 1);
    if p.fill == 0u {
        let period = 2 * size;
        m = i % period;
        if m < 0 { m = m + period; }
        if m >= size { m = period - 1 - m; }
    } else if p.fill == 1u {
        m = i % size;
        if m < 0 { m = m + size; }
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

struct Taps {
    at: vec4<i32>,
    wt: vec4<f32>,
}

fn taps(m: Matrix, x: i32, y: i32) -> Taps {
    let sx = m.a0 * x + m.a1 * y + m.a2;
    let sy = m.b0 * x + m.b1 * y + m.b2;
    if p.interp == 0u {
        return Taps(vec4<i32>(at(round_q16(sy), round_q16(sx)), -1, -1, -1),
                    vec4<f32>(1.0, 0.0, 0.0, 0.0));
    }
    let x0 = sx >> 16u;
    let y0 = sy >> 16u;
    let fx = f32(sx & 0xffff) / 65536.0;
    let fy = f32(sy & 0xffff) / 65536.0;
    return Taps(
        vec4<i32>(at(y0, x0), at(y0, x0 + 1), at(y0 + 1, x0), at(y0 + 1, x0 + 1)),
        vec4<f32>((1.0 - fy) * (1.0 - fx), (1.0 - fy) * fx, fy * (1.0 - fx), fy * fx),
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
    let t = taps(image_matrix(s), i32(ox), i32(oy));
    let base = s * p.h * p.w * p.c + ch;
    var acc = 0.0;
    var k = 1u;
    if p.interp == 1u { k = 4u; }
    for (var j = 0u; j < k; j = j + 1u) {
        var v = p.fill_value;
        if t.at[j] >= 0 { v = src[base + u32(t.at[j]) * p.c]; }
        acc = acc + t.wt[j] * v;
    }
    dst[i] = acc;
}

@compute @workgroup_size(64)
fn augment_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let plane = grid_index(gid, nwg, 64u);
    if plane >= p.planes { return; }
    let s = plane / p.c;
    let ch = plane % p.c;
    let hw = p.h * p.w;
    let base = s * hw * p.c + ch;
    for (var j = 0u; j < hw; j = j + 1u) {
        dst[base + j * p.c] = 0.0;
    }
    let m = image_matrix(s);
    for (var o = 0u; o < hw; o = o + 1u) {
        let t = taps(m, i32(o % p.w), i32(o / p.w));
        let g = src[base + o * p.c];
        for (var j = 0u; j < 4u; j = j + 1u) {
            if t.at[j] >= 0 {
                let d = base + u32(t.at[j]) * p.c;
                dst[d] = dst[d] + t.wt[j] * g;
            }
        }
    }
}
