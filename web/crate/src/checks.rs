//! `kernelChecks()`: a few of the native kernel tests (`tests/ops/`) run in the browser —
//! each kernel on WebGPU against its CPU twin, on shapes off the tiles, with the native
//! tests' tolerances (`|gpu − cpu| ≤ atol + rtol·|cpu|`).

use wgtrain::cpu;
use wgtrain::geometry::{Conv2dGeometry, Padding};
use wgtrain::gpu::{Gpu, GpuTensor};
use wgtrain::nn::AdamParams;
use wgtrain::ops;
use wgtrain::shape::Layout;
use wgtrain::Result;

/// One check's outcome, as a JSON line.
struct Check {
    kernel: &'static str,
    shape: String,
    max_diff: f32,
    atol: f32,
    rtol: f32,
    ok: bool,
}

impl Check {
    fn new(
        kernel: &'static str,
        shape: String,
        got: &[f32],
        want: &[f32],
        tol: (f32, f32),
    ) -> Check {
        let (atol, rtol) = tol;
        let mut max_diff = 0f32;
        let mut ok = got.len() == want.len();
        for (&g, &c) in got.iter().zip(want) {
            let d = (g - c).abs();
            // NaN fails (a comparison with NaN is false).
            ok &= d <= atol + rtol * c.abs();
            max_diff = max_diff.max(if d.is_nan() { f32::INFINITY } else { d });
        }
        Check {
            kernel,
            shape,
            max_diff,
            atol,
            rtol,
            ok,
        }
    }

    fn json(&self) -> String {
        format!(
            "{{\"kernel\":\"{}\",\"shape\":\"{}\",\"max_diff\":{:e},\"tolerance\":{:e},\"rtol\":{:e},\"ok\":{}}}",
            self.kernel, self.shape, self.max_diff, self.atol, self.rtol, self.ok
        )
    }
}

/// The native tests' tolerance for a sum of `k` products of values up to `scale`.
fn sum_atol(k: usize, scale: f32) -> f32 {
    2e-6 * (k as f32).sqrt().max(1.0) * scale
}

/// Values in [−1, 1) with every 37th-ish one an outlier times `outlier` (as the native
/// tests' `randn`), from a fixed xorshift stream.
fn randn(seed: u64, n: usize, outlier: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    (0..n)
        .map(|_| {
            let v = (next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0;
            if next() % 37 == 0 {
                v * outlier
            } else {
                v
            }
        })
        .collect()
}

async fn read(gpu: &Gpu, t: &GpuTensor) -> Result<Vec<f32>> {
    let pending = gpu.read_async(&[t])?;
    gpu.read_values(pending).await
}

/// Every check, one JSON line each.
pub async fn run(gpu: &Gpu) -> Result<String> {
    let mut lines = Vec::new();
    for layout in [Layout::NN, Layout::TN, Layout::NT] {
        lines.push(matmul(gpu, 33, 7, 257, layout).await?);
    }
    lines.push(conv_by_im2col(gpu).await?);
    lines.push(softmax_cross_entropy(gpu).await?);
    lines.push(adam(gpu).await?);
    Ok(lines.iter().map(Check::json).collect::<Vec<_>>().join("\n"))
}

/// c[m,n] = op(a)·op(b) + bias, ReLU on NN (a shape no tile divides).
async fn matmul(gpu: &Gpu, m: usize, n: usize, k: usize, layout: Layout) -> Result<Check> {
    let outlier = 8.0;
    let (a, b, bias) = (
        randn(1, m * k, outlier),
        randn(2, k * n, outlier),
        randn(3, n, outlier),
    );
    let (a_shape, b_shape) = match layout {
        Layout::NN => ([m, k], [k, n]),
        Layout::TN => ([k, m], [k, n]),
        Layout::NT => ([m, k], [n, k]),
    };
    let epilogue = layout == Layout::NN;
    let ga = gpu.upload(&a_shape, &a)?;
    let gb = gpu.upload(&b_shape, &b)?;
    let gbias = gpu.upload(&[n], &bias)?;
    let c = ops::matmul(gpu, &ga, &gb, epilogue.then_some(&gbias), layout, epilogue)?;
    let got = read(gpu, &c).await?;
    let want = cpu::matmul(
        &a,
        &b,
        epilogue.then_some(&bias[..]),
        m,
        n,
        k,
        layout,
        epilogue,
    );
    let shape = format!(
        "{layout:?} m{m}×k{k}×n{n}{}",
        if epilogue { " +bias ReLU" } else { "" }
    );
    let tol = (sum_atol(k, outlier * outlier), 1e-5);
    Ok(Check::new("matmul", shape, &got, &want, tol))
}

/// Conv2D as the layers run it: im2col then matmul on the GPU, against the twins' im2col
/// and matmul.
async fn conv_by_im2col(gpu: &Gpu) -> Result<Check> {
    let geo = Conv2dGeometry::new(2, 13, 13, 3, (3, 3), (1, 1), Padding::Same)?;
    let f = 5;
    let x = randn(4, geo.input_len(), 4.0);
    let w = randn(5, geo.col_cols() * f, 4.0);
    let gx = gpu.upload(&[geo.n, geo.h, geo.w, geo.c], &x)?;
    let gw = gpu.upload(&[geo.col_cols(), f], &w)?;
    let cols = ops::im2col_forward(gpu, &gx, &geo)?;
    let y = ops::matmul(gpu, &cols, &gw, None, Layout::NN, false)?;
    let got = read(gpu, &y).await?;
    let cols_c = cpu::im2col_forward(&x, &geo);
    let (rows, k) = (geo.col_rows(), geo.col_cols());
    let want = cpu::matmul(&cols_c, &w, None, rows, f, k, Layout::NN, false);
    let shape = format!("x[2,13,13,3] * w[3×3×3,{f}] same → [{rows},{f}]");
    Ok(Check::new(
        "conv2d_im2col",
        shape,
        &got,
        &want,
        (sum_atol(k, 16.0), 1e-5),
    ))
}

/// Softmax fused with categorical cross-entropy, with extreme logits: the row losses.
async fn softmax_cross_entropy(gpu: &Gpu) -> Result<Check> {
    let (rows, cols) = (33, 10);
    let mut z = randn(6, rows * cols, 30.0);
    z[0] = 100.0;
    z[rows * cols - 1] = -100.0;
    let y: Vec<f32> = (0..rows * cols)
        .map(|i| f32::from(i % cols == (i / cols * 7) % cols))
        .collect();
    let gz = gpu.upload(&[rows, cols], &z)?;
    let gy = gpu.upload(&[rows, cols], &y)?;
    let (probs, row_loss) = ops::softmax_cross_entropy_forward(gpu, &gz, &gy)?;
    let mut got = read(gpu, &row_loss).await?;
    got.extend(read(gpu, &probs).await?);
    let (pc, lc) = cpu::softmax_cross_entropy_forward(&z, &y, rows, cols);
    let want: Vec<f32> = lc.into_iter().chain(pc).collect();
    let shape = format!("logits[{rows},{cols}] ±100 (row loss and probabilities)");
    Ok(Check::new(
        "softmax_cross_entropy",
        shape,
        &got,
        &want,
        (1e-4, 1e-5),
    ))
}

/// Five Adam steps (step state on the GPU) against the twin.
async fn adam(gpu: &Gpu) -> Result<Check> {
    let n = 257;
    let hp = AdamParams {
        lr: 0.01,
        ..Default::default()
    };
    let mut p = randn(7, n, 5.0);
    let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
    let gp = gpu.upload(&[n], &p)?;
    let gm = gpu.zeros(&[n])?;
    let gv = gpu.zeros(&[n])?;
    let state = gpu.upload_u32(&[3], &[0; 3])?;
    let lr = gpu.upload(&[1], &[hp.lr])?;
    let mut grads = Vec::new();
    for t in 1..=5u32 {
        let grad = randn(100 + t as u64, n, 50.0);
        let gg = gpu.upload(&[n], &grad)?;
        ops::adam_step(gpu, &state, &hp)?;
        ops::adam_update(gpu, &gp, &gg, [&gm, &gv], [&state, &lr], &hp)?;
        cpu::adam_update(&mut p, &grad, &mut m, &mut v, t, &hp);
        grads.push(gg);
    }
    let got = read(gpu, &gp).await?;
    let shape = format!("param[{n}], 5 steps, lr {}", hp.lr);
    Ok(Check::new(
        "adam",
        shape,
        &got,
        &p,
        (2e-6 * hp.lr * 5.0, 1e-6),
    ))
}
