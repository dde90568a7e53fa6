// Matrix multiply for N % 4 == 0, reading B and writing C four columns at a time:
//   matmul_vec4_nn: A[M,K]·B[K,N]     matmul_vec4_tn: A[K,M]ᵀ·B[K,N]
//   matmul_vec4_nt_a4: A[M,K]·B[N,K]ᵀ (K % 4 == 0)
// (+ bias[N]) (then ReLU) (flags as in matmul.wgsl: 1 bias, 2 ReLU; no accumulate).
// Same tiling as matmul.wgsl: a workgroup owns TM rows chosen by workgroup_id, so A loads
// are uniform across it; each thread owns TN4 vec4 column groups strided by WG_X.
// C is only written, never read: an epilogue that read C (to accumulate) ran at half the
// speed on llvmpipe (6.2 vs 12.4 GFLOP/s at 1024³).
// The `_a4` entries also read A as vec4: along K for NN (K % 4 == 0), along M for TN
// (M % 4 == 0). That is a quarter of the A load instructions, which llvmpipe pays for one
// by one: 15–30 % faster there (3872×64×288 NN 11.4 → 9.2–10.3 ms, 1024³ 12.6 → 14.4–16.3
// GFLOP/s).

// Params p (m, n, k, flags), TM, WG_X and the bindings a, bias, c come from
// shaders/lib/matmul_io.wgsl.

// Column groups per thread: 2 (8 columns), or 1 in the `_narrow` entries, which tile
// 4·WG_X columns so that N = 32 (the seed CNN's first conv) fills every lane on llvmpipe.
const TN4: u32 = 2u;

@group(0) @binding(1) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;

// Column groups of this thread (clamped: lanes past N compute duplicates, never written).
fn column_groups(tn4: u32, lid: u32, wid: vec3<u32>) -> array<u32, TN4> {
    let n4 = p.n / 4u;
    let g0 = wid.x * (WG_X * tn4) + lid;
    var groups: array<u32, TN4>;
    for (var j = 0u; j < tn4; j++) {
        groups[j] = min(g0 + j * WG_X, n4 - 1u);
    }
    return groups;
}

// Bias, ReLU and the write of the TM × tn4 vec4 results.
// `masked` (a literal at every call site, so the plain kernels carry none of it: even an
// untaken read of the mask in the epilogue cut llvmpipe's matmul throughput threefold)
// keeps each output only where binding 3, the layer's input, is > 0 (the `_masked` entries).
fn store(acc: ptr<function, array<vec4<f32>, 16>>, tn4: u32, lid: u32, wid: vec3<u32>, masked: bool) {
    let row0 = wid.y * TM;
    let n4 = p.n / 4u;
    let g0 = wid.x * (WG_X * tn4) + lid;
    for (var i = 0u; i < TM; i++) {
        let r = row0 + i;
        for (var j = 0u; j < tn4; j++) {
            let g = g0 + j * WG_X;
            if r < p.m && g < n4 {
                var v = (*acc)[i * TN4 + j];
                let col = g * 4u;
                if (p.flags & 1u) != 0u {
                    v += vec4<f32>(bias[col], bias[col + 1u], bias[col + 2u], bias[col + 3u]);
                }
                if (p.flags & 2u) != 0u {
                    v = max(v, vec4<f32>(0.0));
                }
                let o = r * p.n + col;
                if masked {
                    let x = vec4<f32>(bias[o], bias[o + 1u], bias[o + 2u], bias[o + 3u]);
                    v = select(vec4<f32>(0.0), v, x > vec4<f32>(0.0));
                }
                c[o] = v.x;
                c[o + 1u] = v.y;
                c[o + 2u] = v.z;
                c[o + 3u] = v.w;
            }
        }
    }
}

// flags 4 (TN): db[col..col+3] = Σ_k B[k, col..col+3] for this thread's column groups.
fn bias_tile(tn4: u32, lid: u32, wid: vec3<u32>) {
    let n4 = p.n / 4u;
    let groups = column_groups(tn4, lid, wid);
    var acc: array<vec4<f32>, TN4>;
    for (var kk = 0u; kk < p.k; kk++) {
        for (var j = 0u; j < tn4; j++) {
            acc[j] += b[kk * n4 + groups[j]];
        }
    }
    let g0 = wid.x * (WG_X * tn4) + lid;
    for (var j = 0u; j < tn4; j++) {
        let g = g0 + j * WG_X;
        if g < n4 {
            let col = g * 4u;
            db[col] = acc[j].x;
            db[col + 1u] = acc[j].y;
            db[col + 2u] = acc[j].z;
            db[col + 3u] = acc[j].w;
        }
    }
}

// `tn4` (1 or TN4) is a literal at every call site, so the loops over it unroll.
fn tile(transpose_a: bool, tn4: u32, lid: u32, wid: vec3<u32>) {
    let row0 = wid.y * TM;
    let n4 = p.n / 4u;
    let groups = column_groups(tn4, lid, wid);
    var acc: array<vec4<f32>, 16>; // TM * TN4
    for (var kk = 0u; kk < p.k; kk++) {
        var av: array<f32, TM>;
        for (var i = 0u; i < TM; i++) {
            let r = min(row0 + i, p.m - 1u);
            if transpose_a {
                av[i] = a[kk * p.m + r];
            } else {
                av[i] = a[r * p.k + kk];
            }
        }
        for (var j = 0u; j < tn4; j++) {
            let bv = b[kk * n4 + groups[j]];
            for (var i = 0u; i < TM; i++) {
                acc[i * TN4 + j] = fma(vec4<f32>(av[i]), bv, acc[i * TN4 + j]);
            }
        }
    }
    store(&acc, tn4, lid, wid, false);
}

// The same tile with A read as vec4. NN: row r's values at k..k+3; TN: rows row0..row0+7
// at k as two vec4 (row0 is a multiple of 8 and M % 4 == 0, so both are aligned; rows past
// M read clamped neighbours and are never written).
fn tile_a4(transpose_a: bool, tn4: u32, lid: u32, wid: vec3<u32>) {
    let row0 = wid.y * TM;
    let n4 = p.n / 4u;
    let groups = column_groups(tn4, lid, wid);
    var acc: array<vec4<f32>, 16>; // TM * TN4
    if transpose_a {
        let m4 = p.m / 4u;
        let last = p.k * m4 - 1u;
        for (var kk = 0u; kk < p.k; kk++) {
            let lo = a4[min(kk * m4 + row0 / 4u, last)];
            let hi = a4[min(kk * m4 + row0 / 4u + 1u, last)];
            let av = array<f32, TM>(lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w);
            for (var j = 0u; j < tn4; j++) {
                let bv = b[kk * n4 + groups[j]];
                for (var i = 0u; i < TM; i++) {
                    acc[i * TN4 + j] = fma(vec4<f32>(av[i]), bv, acc[i * TN4 + j]);
                }
            }
        }
    } else {
        let k4 = p.k / 4u;
        for (var kb = 0u; kb < k4; kb++) {
            var av: array<vec4<f32>, TM>;
            for (var i = 0u; i < TM; i++) {
                av[i] = a4[min(row0 + i, p.m - 1u) * k4 + kb];
            }
            for (var u = 0u; u < 4u; u++) {
                let kk = kb * 4u + u;
                for (var j = 0u; j < tn4; j++) {
                    let bv = b[kk * n4 + groups[j]];
                    for (var i = 0u; i < TM; i++) {
                        acc[i * TN4 + j] = fma(vec4<f32>(av[i][u]), bv, acc[i * TN4 + j]);
                    }
                }
            }
        }
    }
    store(&acc, tn4, lid, wid, false);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_nn(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile(false, TN4, lid, wid);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_nn_narrow(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile(false, 1u, lid, wid);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_tn(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    if is_bias_tile(wid) {
        bias_tile(TN4, lid, wid);
        return;
    }
    tile(true, TN4, lid, wid);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_tn_narrow(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    if is_bias_tile(wid) {
        bias_tile(1u, lid, wid);
        return;
    }
    tile(true, 1u, lid, wid);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_nn_a4(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile_a4(false, TN4, lid, wid);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_nn_a4_narrow(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile_a4(false, 1u, lid, wid);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_tn_a4(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    if is_bias_tile(wid) {
        bias_tile(TN4, lid, wid);
        return;
    }
    tile_a4(true, TN4, lid, wid);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_tn_a4_narrow(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    if is_bias_tile(wid) {
        bias_tile(1u, lid, wid);
        return;
    }
    tile_a4(true, 1u, lid, wid);
}

// A·Bᵀ for B[N, K] with K % 4 == 0 (dY·Wᵀ, the input gradient): the tile of `tile_a4`
// (NN) with B's rows read as vec4 along K, four rows (this group's four columns of C) at a
// time, and turned into the column vectors NN reads. Each accumulator sees the same fma
// sequence over k as the NN kernel on a transposed copy of B, so the results are those bits
// without the copy (a dispatch and a buffer less per input gradient).
fn tile_nt_a4(tn4: u32, lid: u32, wid: vec3<u32>, masked: bool) {
    let row0 = wid.y * TM;
    let groups = column_groups(tn4, lid, wid);
    var acc: array<vec4<f32>, 16>; // TM * TN4
    let k4 = p.k / 4u;
    for (var kb = 0u; kb < k4; kb++) {
        var av: array<vec4<f32>, TM>;
        for (var i = 0u; i < TM; i++) {
            av[i] = a4[min(row0 + i, p.m - 1u) * k4 + kb];
        }
        for (var j = 0u; j < tn4; j++) {
            let col = groups[j] * 4u;
            let b0 = b[col * k4 + kb];
            let b1 = b[(col + 1u) * k4 + kb];
            let b2 = b[(col + 2u) * k4 + kb];
            let b3 = b[(col + 3u) * k4 + kb];
            for (var u = 0u; u < 4u; u++) {
                let bv = vec4<f32>(b0[u], b1[u], b2[u], b3[u]);
                for (var i = 0u; i < TM; i++) {
                    acc[i * TN4 + j] = fma(vec4<f32>(av[i][u]), bv, acc[i * TN4 + j]);
                }
            }
        }
    }
    store(&acc, tn4, lid, wid, masked);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_nt_a4(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile_nt_a4(TN4, lid, wid, false);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_nt_a4_narrow(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile_nt_a4(1u, lid, wid, false);
}

// The input gradient masked by the previous layer's ReLU (binding 3 holds x).
@compute @workgroup_size(WG_X)
fn matmul_vec4_nt_a4_masked(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile_nt_a4(TN4, lid, wid, true);
}

@compute @workgroup_size(WG_X)
fn matmul_vec4_nt_a4_narrow_masked(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    tile_nt_a4(1u, lid, wid, true);
}
