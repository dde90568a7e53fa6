// Matrix transpose: transpose_forward y[C,R] = x[R,C]ᵀ. Used to turn A·Bᵀ into the faster
// vec4 A·(Bᵀ) form when B is small (weights), and by anyone who needs a transposed copy.
// One thread per output element; the shape comes from the uniform block.

struct Params {
    rows: u32,
    cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn transpose_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.rows * p.cols {
        return;
    }
    // y is [cols, rows]: element i sits at (c, r).
    let c = i / p.rows;
    let r = i % p.rows;
    y[i] = x[r * p.cols + c];
}
