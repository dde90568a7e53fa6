// Learning-rate schedules on the device (Keras's ExponentialDecay, CosineDecay,
// PiecewiseConstantDecay): lr_schedule_forward reads the optimizer's step counter t (already
// advanced for this update, so t − 1 updates came before it, Keras's `iterations`) and
// writes this update's rate into lr[0], which the optimizer kernels read. One invocation.
// table: PiecewiseConstantDecay's boundaries (u32) then its values (f32 bits).

struct Params {
    // 0 ExponentialDecay, 1 CosineDecay, 2 PiecewiseConstantDecay.
    kind: u32,
    decay_steps: u32,
    initial: f32,
    decay_rate: f32,
    alpha: f32,
    staircase: u32,
    boundaries: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> step_in: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read_write> lr: array<f32>;

const PI: f32 = 3.14159265358979;

// cos(x) for x in [0, π/2] to f32 precision: WGSL's cos may be off by 2^-11 (SwiftShader's
// is, by ~1e-4 near 0), too coarse for a rate. Taylor series to x^14/14! (error < 1e-10).
fn cos_quadrant(x: f32) -> f32 {
    let x2 = x * x;
    var term = 1.0;
    var sum = 1.0;
    for (var k = 1u; k <= 7u; k++) {
        term = -term * x2 / f32((2u * k - 1u) * (2u * k));
        sum += term;
    }
    return sum;
}

@compute @workgroup_size(1)
fn lr_schedule_forward() {
    let done = max(step_in[0], 1u) - 1u;
    var rate = 0.0;
    if p.kind == 0u {
        var e = f32(done) / f32(p.decay_steps);
        if p.staircase != 0u {
            e = f32(done / p.decay_steps);
        }
        rate = p.initial * pow(p.decay_rate, e);
    } else if p.kind == 1u {
        let s = f32(min(done, p.decay_steps)) / f32(p.decay_steps);
        // ½(1 + cos πs) = cos²(πs/2): no cancellation as the rate nears its floor.
        let half = cos_quadrant(0.5 * PI * s);
        let cosine = half * half;
        rate = p.initial * ((1.0 - p.alpha) * cosine + p.alpha);
    } else {
        var i = 0u;
        while i < p.boundaries && done > table[i] {
            i++;
        }
        rate = bitcast<f32>(table[p.boundaries + i]);
    }
    lr[0] = rate;
}
