// Shared WGSL helpers, prepended by the kernel registry (src/gpu/registry.rs); WGSL has no
// includes. grid.wgsl goes in front of every shader.

// The flat invocation index of a 1-D launch folded into two grid dimensions past the
// adapter's per-dimension workgroup limit (`ops::grid_1d`); `wg` is the workgroup size.
fn grid_index(gid: vec3<u32>, nwg: vec3<u32>, wg: u32) -> u32 {
    return gid.x + gid.y * nwg.x * wg;
}
