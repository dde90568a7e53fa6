//! CPU twin of `shaders/counter.wgsl`.

/// `count[0]` += 1 (count: `[1]`)
pub fn counter_step(count: &mut [u32]) {
    count[0] += 1;
}
