// Which pooling windows cover an input position (needs divmod.wgsl before it); shared by
// maxpool.wgsl and avgpool.wgsl.

// The output windows o with o·s ≤ i < o·s + k (window size k, stride s), clipped to
// [0, out): (first, one past the last).
fn windows_covering(i: u32, k: u32, s: u32, out: u32) -> vec2<u32> {
    var lo = 0u;
    if i >= k {
        lo = divmod(i - k, s).x + 1u;
    }
    return vec2<u32>(lo, min(divmod(i, s).x + 1u, out));
}
