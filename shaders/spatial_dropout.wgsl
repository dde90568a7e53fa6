// SpatialDropout2D, as Keras: during training each (sample, channel) of x[n, h, w, c] is
// kept with probability 1 − rate (and scaled by 1 / (1 − rate)) or zeroed across all of
// its h·w positions. mask[n, c] holds that factor; its random draw for (s, ch) is the PCG
// hash of (seed, step[0], s·c + ch), exactly dropout.wgsl's draw for element s·c + ch of
// an [n, c] tensor, so the CPU twin draws the same mask.
// spatial_dropout_forward: y = x · mask[s, ch], one thread per element of x (the thread
//   at h = w = 0 also writes mask).
// spatial_dropout_backward: dx = dy · mask[s, ch].

struct Params {
    count: u32,
    hw: u32,
    c: u32,
    seed: u32,
    rate: f32,
    scale: f32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> step: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> mask: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> mask_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

fn pcg(v: u32) -> u32 {
    let s = v * 747796405u + 2891336453u;
    let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
    return (w >> 22u) ^ w;
}

// The mask index (sample · c + channel) of element i.
fn channel_index(i: u32) -> u32 {
    return (i / (p.hw * p.c)) * p.c + i % p.c;
}

@compute @workgroup_size(256)
fn spatial_dropout_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.count {
        let j = channel_index(i);
        let h = pcg(pcg(p.seed ^ pcg(step[0])) ^ j);
        let u = f32(h >> 8u) * (1.0 / 16777216.0);
        let m = select(0.0, p.scale, u >= p.rate);
        y[i] = x[i] * m;
        if (i / p.c) % p.hw == 0u {
            mask[j] = m;
        }
    }
}

@compute @workgroup_size(256)
fn spatial_dropout_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.count {
        dx[i] = dy[i] * mask_in[channel_index(i)];
    }
}
