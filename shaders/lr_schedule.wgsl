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
        let cosine = 0.5 * (1.0 + cos(PI * s));
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
