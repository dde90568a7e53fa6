// The first two passes of a numerically stable row softmax, shared by softmax.wgsl and
// softmax_cross_entropy.wgsl. The including shader declares `x` (read: the row's inputs)
// and `y` (written: e^(x − max), not yet normalised).

// Returns (max, Σ e^(x − max)) of x[base .. base + cols].
fn softmax_row(base: u32, cols: u32) -> vec2<f32> {
    var mx = -3.0e38;
    for (var j = 0u; j < cols; j++) {
        mx = max(mx, x[base + j]);
    }
    var s = 0.0;
    for (var j = 0u; j < cols; j++) {
        let e = exp(x[base + j] - mx);
        y[base + j] = e;
        s += e;
    }
    return vec2<f32>(mx, s);
}
