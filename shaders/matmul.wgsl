// Tiled matrix multiply C[M,N] = op(A)·op(B) (+ bias[N]) (then ReLU), transposes read in
// place (never materialised):
//   matmul_nn: A[M,K]·B[K,N]     (Dense forward)
//   matmul_tn: A[K,M]ᵀ·B[K,N]    (weight gradient Xᵀ·dY)
//   matmul_nt: A[M,K]·B[N,K]ᵀ    (input gradient dY·Wᵀ)
// (matmul_vec4.wgsl holds the faster NN/TN forms for N % 4 == 0.)
// A workgroup owns TM rows of C, chosen by workgroup_id alone, so every A load is uniform
// across the workgroup (one broadcast load on SIMD-per-invocation drivers such as
// llvmpipe, a broadcast on GPUs). Each thread owns a TM×TN register tile whose columns are
// strided by WG_X, so neighbouring threads read neighbouring columns of B. Loads are
// clamped into range instead of branching; out-of-range results are dropped at the store,
// so any M, N, K ≥ 1 works. WG_X is set per adapter by the runtime.
// flags: 1 = add bias[N], 2 = ReLU after the bias. C is always overwritten: reading C
// here (to accumulate) halved llvmpipe's throughput, so accumulation is left to callers.

// Params p (m, n, k, flags), TM, WG_X and the bindings a, bias, c come from
// shaders/lib/matmul_io.wgsl.

const TN: u32 = 4u;

@group(0) @binding(2) var<storage, read> b: array<f32>;

// load_a / load_b (mode 0 = NN, 1 = TN, 2 = NT) come from shaders/lib/matmul_ops.wgsl.

// Bias and ReLU, then the store of one element of C.
// `masked` as in matmul_vec4.wgsl: a literal at every call site (the `_masked` entry only).
fn store(r: u32, col: u32, acc: f32, masked: bool) {
    var v = acc;
    if (p.flags & 1u) != 0u {
        v += bias[col];
    }
    if (p.flags & 2u) != 0u {
        v = max(v, 0.0);
    }
    if masked {
        v = select(0.0, v, bias[r * p.n + col] > 0.0);
    }
    c[r * p.n + col] = v;
}

fn tile(mode: u32, lid: u32, wid: vec3<u32>, masked: bool) {
    let row0 = wid.y * TM;
    let col0 = wid.x * (WG_X * TN) + lid;
    var cols: array<u32, TN>;
    for (var j = 0u; j < TN; j++) {
        cols[j] = min(col0 + j * WG_X, p.n - 1u);
    }
    var acc: array<f32, 32>; // TM * TN
    for (var kk = 0u; kk < p.k; kk++) {
        var av: array<f32, TM>;
        for (var i = 0u; i < TM; i++) {
            av[i] = load_a(mode, min(row0 + i, p.m - 1u), kk);
        }
        for (var j = 0u; j < TN; j++) {
            let bv = load_b(mode, kk, cols[j]);
            for (var i = 0u; i < TM; i++) {
                acc[i * TN + j] = fma(av[i], bv, acc[i * TN + j]);
            }
        }
    }
    for (var i = 0u; i < TM; i++) {
        let r = row0 + i;
        for (var j = 0u; j < TN; j++) {
            let col = col0 + j * WG_X;
            if r < p.m && col < p.n {
                store(r, col, acc[i * TN + j], masked);
            }
        }
    }
}

@compute @workgroup_size(WG_X)
fn matmul_nn(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile(0u, lid, wid, false);
}

// flags 4: db[col] = Σ_k B[k, col] for this thread's columns (B is dY[K, N] in TN).
fn bias_tile(lid: u32, wid: vec3<u32>) {
    let col0 = wid.x * (WG_X * TN) + lid;
    var cols: array<u32, TN>;
    for (var j = 0u; j < TN; j++) {
        cols[j] = min(col0 + j * WG_X, p.n - 1u);
    }
    var acc: array<f32, TN>;
    for (var kk = 0u; kk < p.k; kk++) {
        for (var j = 0u; j < TN; j++) {
            acc[j] += b[kk * p.n + cols[j]];
        }
    }
    for (var j = 0u; j < TN; j++) {
        let col = col0 + j * WG_X;
        if col < p.n {
            db[col] = acc[j];
        }
    }
}

@compute @workgroup_size(WG_X)
fn matmul_tn(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    if is_bias_tile(wid) {
        bias_tile(lid, wid);
        return;
    }
    tile(1u, lid, wid, false);
}

@compute @workgroup_size(WG_X)
fn matmul_nt(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile(2u, lid, wid, false);
}

// The input gradient masked by the previous layer's ReLU (binding 3 holds x).
@compute @workgroup_size(WG_X)
fn matmul_nt_masked(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile(2u, lid, wid, true);
}
