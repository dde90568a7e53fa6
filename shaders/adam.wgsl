// Adam (Kingma & Ba 2015, Algorithm 1). The optimizer's state on the GPU is three u32
// words: the step t and the bias corrections c1 = 1−β1^t, c2 = 1−β2^t (as f32 bits).
// adam_step advances t and computes both corrections exactly; adam_update then applies,
// per element:
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
// and, with ε where Keras puts it (p.keras = 1, the default):
//   θ ← θ − (lr·√c2 / c1) · m / (√v + ε)
// or where the paper puts it (p.keras = 0):
//   m̂ = m / c1;  v̂ = v / c2;  θ ← θ − lr · m̂ / (√v̂ + ε)
//
// Why not 1.0 − pow(β2, t) in f32: β2^t is near 1 for small t, and the subtraction keeps
// only the few bits that differ (at t = 1, 1 − 0.999 has ~14 good bits: the step came out
// ~6e-5 relative too large). adam_step instead computes β^t in 64-bit fixed point (u32
// pairs, square-and-multiply, each product truncated: error ≤ 64·2^−64), subtracts it
// from one exactly, and rounds the 64-bit difference to the nearest f32 by hand (WGSL's
// u32→f32 conversion may round either way). The CPU twin does the same integer steps, so
// both devices get the same bits.

struct Params {
    n: u32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    // 1: Keras's form, 0: the paper's.
    keras: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
// [t, bits of 1−β1^t, bits of 1−β2^t], written by adam_step.
@group(0) @binding(5) var<storage, read> state_in: array<u32>;
// This update's learning rate (constant, or written by lr_schedule_forward).
@group(0) @binding(6) var<storage, read> lr: array<f32>;

@compute @workgroup_size(256)
fn adam_update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n {
        return;
    }
    let c1 = bitcast<f32>(state_in[1]);
    let c2 = bitcast<f32>(state_in[2]);
    let g = grad[i];
    let m1 = p.beta1 * m[i] + (1.0 - p.beta1) * g;
    let v1 = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
    m[i] = m1;
    v[i] = v1;
    if p.keras != 0u {
        let lr_t = lr[0] * sqrt(c2) / c1;
        param[i] = param[i] - lr_t * m1 / (sqrt(v1) + p.eps);
    } else {
        let m_hat = m1 / c1;
        let v_hat = v1 / c2;
        param[i] = param[i] - lr[0] * m_hat / (sqrt(v_hat) + p.eps);
    }
}

// β1 and β2 as 64-bit fixed-point fractions round(β·2^64), (hi, lo) words.
struct StepParams {
    beta1_hi: u32,
    beta1_lo: u32,
    beta2_hi: u32,
    beta2_lo: u32,
}

@group(0) @binding(0) var<uniform> sp: StepParams;
@group(0) @binding(1) var<storage, read_write> state: array<u32>;

// a·b as a 64-bit (hi, lo) pair, from 16-bit halves (WGSL has no widening multiply).
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    let lo = (mid << 16u) | (p00 & 0xffffu);
    let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
    return vec2<u32>(hi, lo);
}

// a + b and its carry (0 or 1).
fn add_carry(a: u32, b: u32) -> vec2<u32> {
    let s = a + b;
    return vec2<u32>(s, select(0u, 1u, s < a));
}

// The high 64 bits of the 128-bit product x·y (x, y as (hi, lo)): x·y / 2^64 truncated,
// the product of two fractions in 64-bit fixed point.
fn mul_fixed(x: vec2<u32>, y: vec2<u32>) -> vec2<u32> {
    let ll = mul_wide(x.y, y.y);
    let lh = mul_wide(x.y, y.x);
    let hl = mul_wide(x.x, y.y);
    let hh = mul_wide(x.x, y.x);
    // The 2^32 column: only its carries reach the result.
    let w1a = add_carry(ll.x, lh.y);
    let w1b = add_carry(w1a.x, hl.y);
    let carry1 = w1a.y + w1b.y;
    // The 2^64 column.
    let w2a = add_carry(hh.y, lh.x);
    let w2b = add_carry(w2a.x, hl.x);
    let w2c = add_carry(w2b.x, carry1);
    let hi = hh.x + w2a.y + w2b.y + w2c.y;
    return vec2<u32>(hi, w2c.x);
}

// 1 − β^t as the f32 nearest to the 64-bit fixed-point result (t ≥ 1).
fn bias_correction(beta: vec2<u32>, t: u32) -> f32 {
    var base = beta;
    var acc = vec2<u32>(0u, 0u);
    var have = false;
    var e = t;
    loop {
        if e == 0u {
            break;
        }
        if (e & 1u) == 1u {
            if have {
                acc = mul_fixed(acc, base);
            } else {
                acc = base;
                have = true;
            }
        }
        e = e >> 1u;
        if e != 0u {
            base = mul_fixed(base, base);
        }
    }
    if !have || (acc.x == 0u && acc.y == 0u) {
        return select(0.0, 1.0, have);
    }
    // d = 2^64 − acc, exactly (two's complement).
    var lo = ~acc.y + 1u;
    var hi = ~acc.x + select(0u, 1u, lo == 0u);
    // Normalise so bit 63 is set; the value is d·2^−64 = (d << lz)·2^−64·2^−lz.
    var lz = 0u;
    if hi == 0u {
        lz = 32u + countLeadingZeros(lo);
    } else {
        lz = countLeadingZeros(hi);
    }
    if lz >= 32u {
        hi = lo << (lz - 32u);
        lo = 0u;
    } else if lz > 0u {
        hi = (hi << lz) | (lo >> (32u - lz));
        lo = lo << lz;
    }
    // 24 mantissa bits, rounded to nearest, ties to even, from the 40 below them.
    var mant = hi >> 8u;
    let rest = hi & 0xffu;
    let above_half = rest > 0x80u || (rest == 0x80u && lo != 0u);
    let tie = rest == 0x80u && lo == 0u;
    if above_half || (tie && (mant & 1u) == 1u) {
        mant = mant + 1u;
    }
    var exponent = 126u - lz;
    if mant == 0x1000000u {
        mant = 0x800000u;
        exponent = exponent + 1u;
    }
    return bitcast<f32>((exponent << 23u) | (mant & 0x7fffffu));
}

@compute @workgroup_size(1)
fn adam_step() {
    let t = state[0] + 1u;
    state[0] = t;
    state[1] = bitcast<u32>(bias_correction(vec2<u32>(sp.beta1_hi, sp.beta1_lo), t));
    state[2] = bitcast<u32>(bias_correction(vec2<u32>(sp.beta2_hi, sp.beta2_lo), t));
}
