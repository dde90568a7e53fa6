//! CPU twin of `shaders/matmul_split.wgsl`: C = op(A)·op(B) over k in chunks (split-K),
//! partial sums as the GPU stores them, f64 accumulation.

use super::Scalar;
use crate::shape::Layout;

/// CPU twin of `shaders/matmul_split.wgsl` with split-K: `c[m,n]` as `matmul`, but k summed
/// in `chunk`-long runs, each run's partial sum rounded to f32 (what pass 1 stores) when
/// there is more than one, the
/// partials then added in run order (f64, rounded once) before the epilogue: bias, ReLU,
/// then × `[mask > 0]` where `mask` (shaped like c) is given. Also `db[n]` = Σ_k `b[k, n]` in the
/// same runs (the fused bias gradient, used with TN). `chunk` ≥ k: one run, as `matmul`.
#[allow(clippy::too_many_arguments)]
pub fn matmul_split<T: Scalar>(
    (a, b): (&[T], &[T]),
    bias: Option<&[T]>,
    mask: Option<&[T]>,
    (m, n, k): (usize, usize, usize),
    layout: Layout,
    relu: bool,
    chunk: usize,
) -> (Vec<T>, Vec<T>) {
    assert_eq!(a.len(), m * k, "matmul_split: a");
    assert_eq!(b.len(), k * n, "matmul_split: b");
    let chunk = chunk.clamp(1, k.max(1));
    // One run is `matmul` (nothing stored between passes); more store f32 partials.
    let round = |v: f64| if k > chunk { round_f32(v) } else { v };
    let mut sums = vec![0f64; m * n];
    let mut db = vec![0f64; n];
    for k0 in (0..k).step_by(chunk) {
        let run = k0..(k0 + chunk).min(k);
        let part = matmul_run(a, b, (m, n, k), layout, run.clone());
        for (s, p) in sums.iter_mut().zip(&part) {
            *s += round(*p);
        }
        for (j, s) in db.iter_mut().enumerate() {
            let col: f64 = run.clone().map(|kk| b[kk * n + j].to_f64()).sum();
            *s += round(col);
        }
    }
    let mut c = vec![T::default(); m * n];
    for i in 0..m {
        for j in 0..n {
            let mut v = sums[i * n + j];
            if let Some(bias) = bias {
                v += bias[j].to_f64();
            }
            if relu {
                v = v.max(0.0);
            }
            if mask.is_some_and(|x| x[i * n + j].to_f64() <= 0.0) {
                v = 0.0;
            }
            c[i * n + j] = T::from_f64(v);
        }
    }
    (c, db.into_iter().map(T::from_f64).collect())
}

/// Σ_{kk in run} op(a)[i, kk]·op(b)[kk, j] for every (i, j), in f64.
fn matmul_run<T: Scalar>(
    a: &[T],
    b: &[T],
    (m, n, k): (usize, usize, usize),
    layout: Layout,
    run: std::ops::Range<usize>,
) -> Vec<f64> {
    let mut out = vec![0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = run
                .clone()
                .map(|kk| {
                    let av = match layout {
                        Layout::TN => a[kk * m + i],
                        _ => a[i * k + kk],
                    };
                    let bv = match layout {
                        Layout::NT => b[j * k + kk],
                        _ => b[kk * n + j],
                    };
                    av.to_f64() * bv.to_f64()
                })
                .sum();
        }
    }
    out
}

/// `v` as the f32 a GPU partial sum holds.
fn round_f32(v: f64) -> f64 {
    v as f32 as f64
}
