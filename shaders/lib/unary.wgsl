// The interface every elementwise op in the registry's `unary` table shares, prepended
// (after grid.wgsl) to its shader: n elements; <op>_forward reads x and writes y;
// <op>_backward reads `saved` (the forward input x or output y, as the table says) and
// dy, and writes dx.

struct Params {
    n: u32,
    // The op's parameter, where it has one (leaky_relu's negative slope).
    alpha: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> saved: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
