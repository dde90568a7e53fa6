// Batch gather for GPU-resident datasets. A batch is `rows` samples whose numbers are
// indices[cursor[0]·stride + r] (the epoch's shuffled order, `stride` = batch size, the
// cursor a GPU counter bumped once per step), each sample a row of `row_len` values:
//   gather_forward:    src f32 rows                   → out[r, j] = src[s, j]
//   gather_u8_forward: src u8 codes packed 4 per u32  → out[r, j] = palette[code[s, j]]
// The palette (≤ 256 f32 values, e.g. k/255 for MNIST pixels, {0, 1} for one-hot labels)
// makes the decode exact: the batch holds bit for bit the f32 values the host had.
// Indices are clamped into range, so a bad cursor cannot read outside the buffers.

struct Params {
    rows: u32,
    row_len: u32,
    stride: u32,
    n_indices: u32,
    n_samples: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read> cursor: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var<storage, read> palette: array<f32>;
@group(0) @binding(3) var<storage, read> indices_u8: array<u32>;
@group(0) @binding(4) var<storage, read> cursor_u8: array<u32>;
@group(0) @binding(5) var<storage, read_write> out_u8: array<f32>;

// Sample number of batch row r.
fn sample(r: u32, c: u32) -> u32 {
    let k = min(c * p.stride + r, p.n_indices - 1u);
    return k;
}

@compute @workgroup_size(256)
fn gather_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.rows * p.row_len {
        return;
    }
    let r = i / p.row_len;
    let j = i % p.row_len;
    let s = min(indices[sample(r, cursor[0])], p.n_samples - 1u);
    out[i] = src[s * p.row_len + j];
}

@compute @workgroup_size(256)
fn gather_u8_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.rows * p.row_len {
        return;
    }
    let r = i / p.row_len;
    let j = i % p.row_len;
    let s = min(indices_u8[sample(r, cursor_u8[0])], p.n_samples - 1u);
    let byte = s * p.row_len + j;
    let code = (codes[byte / 4u] >> (8u * (byte % 4u))) & 255u;
    out_u8[i] = palette[code];
}
