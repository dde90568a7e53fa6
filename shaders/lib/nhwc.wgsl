// Decoding a flat NHWC index (needs divmod.wgsl before it).

// i over [n, h, w, c] → (n, y, x, ch), with the divisions done by divmod.
fn nhwc_index(i: u32, h: u32, w: u32, c: u32) -> vec4<u32> {
    let pc = divmod(i, c);
    let img = divmod(pc.x, w * h);
    let yx = divmod(img.y, w);
    return vec4<u32>(img.x, yx.x, yx.y, pc.y);
}
