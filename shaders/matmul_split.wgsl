// Matrix multiply shaped for a big GPU, with deterministic split-K:
//   C[M,N] = op(A)·op(B) (+ bias[N]) (then ReLU) (× [mask > 0]), and for TN optionally
//   db[N] = Σ_k B[k, N] (the bias gradient: column sums of dY), in every layout:
//   matmul_split_nn: A[M,K]·B[K,N]   matmul_split_tn: A[K,M]ᵀ·B[K,N]   matmul_split_nt: A[M,K]·B[N,K]ᵀ
// Full workgroups: 8×8 threads, each owning a 4×4 block of outputs (rows strided by 8,
// columns strided by 8, so a warp's loads and stores of B and C are contiguous), a 32×32
// tile of C per workgroup; every thread of a tile inside C has output.
// Split-K: workgroup z = s reduces only k in [s·chunk, min((s+1)·chunk, K)), so a long K
// (a convolution's weight gradient sums over batch·H·W) becomes `splits` short runs on
// `splits` times as many workgroups. With splits = 1 the epilogue (flags) runs here and C
// and db are final; otherwise each split writes its raw partial sums to binding 4 as
// [splits][M][N] (then [splits][N] for db) and `matmul_split_reduce` adds them in split
// order and applies the epilogue. Same inputs, same bits, whatever the scheduling; with
// splits = 1 each output is the fma chain over k = 0, 1, … of the other matmul kernels,
// so the same bits as them too.
// Pass 2 has two forms, picked by the number of splits alone (shape::TREE_SPLITS):
// matmul_split_reduce (a thread per result adds the splits in order) and
// matmul_split_reduce_tree (a workgroup per result: 64 strided sums, then a fixed tree).
// flags: 1 = add bias[N] (binding 3), 2 = ReLU, 4 = TN bias gradient to binding 5,
// 8 = keep C only where binding 3 (then the mask x[M,N], not a bias) is > 0.

struct SplitParams {
    m: u32,
    n: u32,
    k: u32,
    flags: u32,
    chunk: u32,
    splits: u32,
}

@group(0) @binding(0) var<uniform> p: SplitParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
@group(0) @binding(5) var<storage, read_write> db: array<f32>;

const TILE: u32 = 32u;
const THREADS: u32 = 8u;
const PER: u32 = 4u;

// load_a, load_b and epilogue come from shaders/lib/matmul_ops.wgsl.

fn split_tile(mode: u32, lid: vec3<u32>, wid: vec3<u32>) {
    let s = wid.z;
    let k0 = s * p.chunk;
    let k1 = min(k0 + p.chunk, p.k);
    var rows: array<u32, PER>;
    var cols: array<u32, PER>;
    for (var i = 0u; i < PER; i++) {
        rows[i] = min(wid.y * TILE + lid.y + i * THREADS, p.m - 1u);
        cols[i] = min(wid.x * TILE + lid.x + i * THREADS, p.n - 1u);
    }
    var acc: array<f32, 16>; // PER × PER
    var colsum: array<f32, PER>;
    let bias_grad = mode == 1u && (p.flags & 4u) != 0u;
    for (var kk = k0; kk < k1; kk++) {
        var av: array<f32, PER>;
        var bv: array<f32, PER>;
        for (var i = 0u; i < PER; i++) {
            av[i] = load_a(mode, rows[i], kk);
            bv[i] = load_b(mode, kk, cols[i]);
        }
        for (var i = 0u; i < PER; i++) {
            for (var j = 0u; j < PER; j++) {
                acc[i * PER + j] = fma(av[i], bv[j], acc[i * PER + j]);
            }
        }
        if bias_grad {
            for (var j = 0u; j < PER; j++) {
                colsum[j] += bv[j];
            }
        }
    }
    let final_pass = p.splits == 1u;
    let mn = p.m * p.n;
    for (var i = 0u; i < PER; i++) {
        let r = wid.y * TILE + lid.y + i * THREADS;
        for (var j = 0u; j < PER; j++) {
            let col = wid.x * TILE + lid.x + j * THREADS;
            if r < p.m && col < p.n {
                let v = acc[i * PER + j];
                if final_pass {
                    c[r * p.n + col] = epilogue(r, col, v);
                } else {
                    c[s * mn + r * p.n + col] = v;
                }
            }
        }
    }
    // The first row of threads of the first row of tiles holds each column's sum once.
    if bias_grad && wid.y == 0u && lid.y == 0u {
        for (var j = 0u; j < PER; j++) {
            let col = wid.x * TILE + lid.x + j * THREADS;
            if col < p.n {
                if final_pass {
                    db[col] = colsum[j];
                } else {
                    c[p.splits * mn + s * p.n + col] = colsum[j];
                }
            }
        }
    }
}

@compute @workgroup_size(8, 8)
fn matmul_split_nn(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    split_tile(0u, lid, wid);
}

@compute @workgroup_size(8, 8)
fn matmul_split_tn(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    split_tile(1u, lid, wid);
}

@compute @workgroup_size(8, 8)
fn matmul_split_nt(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    split_tile(2u, lid, wid);
}

// Pass 2: one thread per element of C (then, with flag 4, one per element of db) adds the
// splits' partials (what pass 1 wrote to its binding 4, bound here as both binding 1, read
// for C, and binding 2, read for db) in split order, from zero, then applies the epilogue.
@compute @workgroup_size(256)
fn matmul_split_reduce(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = grid_index(gid, nwg, 256u);
    let mn = p.m * p.n;
    if i < mn {
        var v = 0.0;
        for (var s = 0u; s < p.splits; s++) {
            v += a[s * mn + i];
        }
        c[i] = epilogue(i / p.n, i % p.n, v);
        return;
    }
    let col = i - mn;
    if (p.flags & 4u) != 0u && col < p.n {
        var v = 0.0;
        for (var s = 0u; s < p.splits; s++) {
            v += b[p.splits * mn + s * p.n + col];
        }
        db[col] = v;
    }
}

// Pass 2 for many splits: workgroup w (folded over two grid dimensions) owns result w, an
// element of C (w < M·N) or, with flag 4, of db. Thread t adds splits t, t + 64, … in
// order, from zero; the 64 sums are then added by halving (t += t + 32, then + 16, …),
// a fixed order.
var<workgroup> tree: array<f32, 64>;

@compute @workgroup_size(64)
fn matmul_split_reduce_tree(
    @builtin(local_invocation_index) t: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let w = grid_index(wid, nwg, 1u);
    let mn = p.m * p.n;
    let is_db = w >= mn;
    let col = w - mn;
    var v = 0.0;
    for (var s = t; s < p.splits; s += 64u) {
        if is_db {
            v += b[p.splits * mn + s * p.n + min(col, p.n - 1u)];
        } else {
            v += a[s * mn + w];
        }
    }
    tree[t] = v;
    workgroupBarrier();
    for (var stride = 32u; stride > 0u; stride >>= 1u) {
        if t < stride {
            tree[t] += tree[t + stride];
        }
        workgroupBarrier();
    }
    if t == 0u {
        if !is_db {
            c[w] = epilogue(w / p.n, w % p.n, tree[0]);
        } else if (p.flags & 4u) != 0u && col < p.n {
            db[col] = tree[0];
        }
    }
}
