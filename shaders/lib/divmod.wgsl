// Exact integer division by a runtime divisor, prepended by the kernel registry to the
// shaders that list it (im2col.wgsl, maxpool.wgsl).

// (i / d, i % d) without integer division: llvmpipe (and other SIMD-per-invocation
// drivers) run a u32 division by a runtime divisor lane by lane, which made index
// decoding the bulk of im2col and max-pool; an f32 quotient vectorises and one fix-up step
// makes it exact (f32(i) / f32(d) is within 1 of i / d for i < 2^24, within 2 up to
// 2^25 elements, the binding limit here; the loop corrects whatever is left).
fn divmod(i: u32, d: u32) -> vec2<u32> {
    var q = i32(f32(i) / f32(d));
    var r = i32(i) - q * i32(d);
    loop {
        if r < 0 {
            q -= 1;
            r += i32(d);
        } else if r >= i32(d) {
            q += 1;
            r -= i32(d);
        } else {
            break;
        }
    }
    return vec2<u32>(u32(q), u32(r));
}
