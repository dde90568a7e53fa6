// What maxpool.wgsl and avgpool.wgsl share (needs divmod.wgsl before it): their
// parameters (Pool2dGeometry::params), the input x, the output y and dy, and which
// windows cover an input position.

struct Params {
    n: u32,
    h: u32,
    w: u32,
    c: u32,
    ph: u32,
    pw: u32,
    sh: u32,
    sw: u32,
    oh: u32,
    ow: u32,
    // Window rows / columns before the input's first ('same' padding; 0 for 'valid').
    pad_top: u32,
    pad_left: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;

// The input positions [first, one past the last) that window o covers along an axis of
// `size` (window k, stride s, `pad` positions before the input): padding is not counted.
fn window_range(o: u32, k: u32, s: u32, pad: u32, size: u32) -> vec2<u32> {
    let start = o * s;
    return vec2<u32>(max(start, pad) - pad, min(start + k, pad + size) - pad);
}

// The output windows o with o·s ≤ i < o·s + k (window size k, stride s), clipped to
// [0, out): (first, one past the last).
fn windows_covering(i: u32, k: u32, s: u32, out: u32) -> vec2<u32> {
    var lo = 0u;
    if i >= k {
        lo = divmod(i - k, s).x + 1u;
    }
    return vec2<u32>(lo, min(divmod(i, s).x + 1u, out));
}
