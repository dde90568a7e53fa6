// Matrix multiply for GPUs: C[M,N] = op(A)·op(B) (+ bias[N]) (then ReLU) (× [x > 0]), every
// layout, with every fused epilogue: flags 1 bias, 2 ReLU (as matmul.wgsl); 4 (TN) also
// db[N] = Σ_k B[k, N] to binding 5 (the bias gradient, in bias.wgsl's order: the first row
// of threads of the first row of tiles adds each staged B column as it goes); 8 keeps C
// only where binding 3 (then the mask x[M,N]) is > 0 (the register family's `_masked`
// entries). Kernels:
//   matmul_tiled_{nn,tn,nt}_64: 16×16 threads, a 64×64 tile of C, 4×4 outputs per thread
//   matmul_tiled_{nn,tn,nt}_32:  8×8 threads, a 32×32 tile (small matrices, fewer idle lanes)
// The classic workgroup-memory design (as in gpu.cpp's and wgpu-mm's kernels): each step
// the workgroup stages a BK-deep slab of A and of B in workgroup memory, every thread
// loading a few elements (along the contiguous axis of each layout, so neighbours read
// neighbours), then each thread accumulates its 4×4 outputs from workgroup memory. Loads
// past M, N or K read zero. Each output is the same fma sequence over k = 0, 1, … as in
// matmul.wgsl and matmul_vec4.wgsl, so every kernel gives the same bits and the autotune
// (src/gpu/autotune.rs) may pick any of them without changing a result.

// Params p (m, n, k, flags) and the bindings a, bias, c come from shaders/lib/matmul_io.wgsl
// (its TM and WG_X are not used here), epilogue from shaders/lib/matmul_ops.wgsl.

@group(0) @binding(2) var<storage, read> b: array<f32>;

const BK: u32 = 16u;
// Staged slabs, k-major: [BK][64] (the 32 tile uses the first 32 of each row).
var<workgroup> a_tile: array<f32, 1024>;
var<workgroup> b_tile: array<f32, 1024>;

// mode 0 = NN (A[M,K], B[K,N]), 1 = TN (A[K,M]), 2 = NT (B[N,K]); a literal at every call.
fn tiled_load_a(mode: u32, row: u32, kk: u32) -> f32 {
    if row >= p.m || kk >= p.k {
        return 0.0;
    }
    if mode == 1u {
        return a[kk * p.m + row];
    }
    return a[row * p.k + kk];
}

fn tiled_load_b(mode: u32, kk: u32, col: u32) -> f32 {
    if col >= p.n || kk >= p.k {
        return 0.0;
    }
    if mode == 2u {
        return b[col * p.k + kk];
    }
    return b[kk * p.n + col];
}

fn tiled(mode: u32, ts: u32, lid: vec3<u32>, wid: vec3<u32>) {
    let tpd = ts / 4u;
    let threads = tpd * tpd;
    let t = lid.y * tpd + lid.x;
    let row0 = wid.y * ts;
    let col0 = wid.x * ts;
    var acc: array<f32, 16>;
    var colsum: array<f32, 4>;
    let bias_grad = mode == 1u && (p.flags & 4u) != 0u && wid.y == 0u && lid.y == 0u;
    for (var k0 = 0u; k0 < p.k; k0 += BK) {
        for (var e = t; e < ts * BK; e += threads) {
            // A's contiguous axis: K for NN/NT, M for TN.
            var r = e / BK;
            var kk = e % BK;
            if mode == 1u {
                r = e % ts;
                kk = e / ts;
            }
            a_tile[kk * 64u + r] = tiled_load_a(mode, row0 + r, k0 + kk);
        }
        for (var e = t; e < ts * BK; e += threads) {
            // B's contiguous axis: N for NN/TN, K for NT.
            var c = e % ts;
            var kk = e / ts;
            if mode == 2u {
                c = e / BK;
                kk = e % BK;
            }
            b_tile[kk * 64u + c] = tiled_load_b(mode, k0 + kk, col0 + c);
        }
        workgroupBarrier();
        let steps = min(BK, p.k - k0);
        for (var kk = 0u; kk < steps; kk++) {
            var av: array<f32, 4>;
            var bv: array<f32, 4>;
            for (var i = 0u; i < 4u; i++) {
                av[i] = a_tile[kk * 64u + lid.y * 4u + i];
                bv[i] = b_tile[kk * 64u + lid.x * 4u + i];
            }
            for (var i = 0u; i < 4u; i++) {
                for (var j = 0u; j < 4u; j++) {
                    acc[i * 4u + j] = fma(av[i], bv[j], acc[i * 4u + j]);
                }
            }
            if bias_grad {
                for (var j = 0u; j < 4u; j++) {
                    colsum[j] += bv[j];
                }
            }
        }
        workgroupBarrier();
    }
    if bias_grad {
        for (var j = 0u; j < 4u; j++) {
            let col = col0 + lid.x * 4u + j;
            if col < p.n {
                db[col] = colsum[j];
            }
        }
    }
    for (var i = 0u; i < 4u; i++) {
        let r = row0 + lid.y * 4u + i;
        for (var j = 0u; j < 4u; j++) {
            let col = col0 + lid.x * 4u + j;
            if r < p.m && col < p.n {
                c[r * p.n + col] = epilogue(r, col, acc[i * 4u + j]);
            }
        }
    }
}

@compute @workgroup_size(16, 16)
fn matmul_tiled_nn_64(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    tiled(0u, 64u, lid, wid);
}

@compute @workgroup_size(16, 16)
fn matmul_tiled_tn_64(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    tiled(1u, 64u, lid, wid);
}

@compute @workgroup_size(16, 16)
fn matmul_tiled_nt_64(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    tiled(2u, 64u, lid, wid);
}

@compute @workgroup_size(8, 8)
fn matmul_tiled_nn_32(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    tiled(0u, 32u, lid, wid);
}

@compute @workgroup_size(8, 8)
fn matmul_tiled_tn_32(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    tiled(1u, 32u, lid, wid);
}

@compute @workgroup_size(8, 8)
fn matmul_tiled_nt_32(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    tiled(2u, 32u, lid, wid);
}
