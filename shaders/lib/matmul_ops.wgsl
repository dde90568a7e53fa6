// What the matmul shaders share besides their bindings (prepended by the registry to
// matmul.wgsl, matmul_tiled.wgsl and matmul_split.wgsl; each declares `p` with m, n, k,
// flags, and the bindings a, b (f32), bias):
// load_a / load_b read op(A)[row, k] and op(B)[k, col] for mode 0 = NN, 1 = TN, 2 = NT
// (always a literal at the call site, so the branch folds away); epilogue applies the
// flags to one final element of C: 1 = + bias[col], 2 = ReLU, 8 = kept only where
// binding 3 (then the mask x, shaped like C) is > 0. (The register kernels select the
// mask by entry point instead of flag 8: see matmul_vec4.wgsl's store().)

fn load_a(mode: u32, row: u32, kk: u32) -> f32 {
    if mode == 1u {
        return a[kk * p.m + row];
    }
    return a[row * p.k + kk];
}

fn load_b(mode: u32, kk: u32, col: u32) -> f32 {
    if mode == 2u {
        return b[col * p.k + kk];
    }
    return b[kk * p.n + col];
}

fn epilogue(r: u32, col: u32, acc: f32) -> f32 {
    var v = acc;
    if (p.flags & 1u) != 0u {
        v += bias[col];
    }
    if (p.flags & 2u) != 0u {
        v = max(v, 0.0);
    }
    if (p.flags & 8u) != 0u {
        v = select(0.0, v, bias[r * p.n + col] > 0.0);
    }
    return v;
}
