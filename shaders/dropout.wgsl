// Inverted dropout, as Keras: dropout_forward keeps x[i] with probability 1 − rate and
// scales it by 1 / (1 − rate); mask[i] holds that factor (0 or 1 / (1 − rate)) for the
// backward pass, dropout_backward dx = dy · mask. The random draw is a PCG hash of
// (seed, step[0], i), so a mask never needs host random numbers and the CPU twin draws
// exactly the same one. step[0] is a GPU-side counter bumped once per training step.

struct Params {
    n: u32,
    rate: f32,
    scale: f32,
    seed: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> mask: array<f32>;
@group(0) @binding(4) var<storage, read> step: array<u32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> mask_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

fn pcg(v: u32) -> u32 {
    let s = v * 747796405u + 2891336453u;
    let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
    return (w >> 22u) ^ w;
}

@compute @workgroup_size(256)
fn dropout_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        let h = pcg(pcg(p.seed ^ pcg(step[0])) ^ i);
        let u = f32(h >> 8u) * (1.0 / 16777216.0);
        let m = select(0.0, p.scale, u >= p.rate);
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

@compute @workgroup_size(256)
fn dropout_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.n {
        dx[i] = dy[i] * mask_in[i];
    }
}
