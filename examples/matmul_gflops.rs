//! Matmul GFLOP/s through the runtime on the chosen adapter, GPU time to completion.
//! `cargo run --release --example matmul_gflops -- [size] [reps]`

use std::time::Instant;
use wgtrain::cpu::Layout;

fn main() -> Result<(), wgtrain::Error> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1024);
    let reps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let gpu = wgtrain::Gpu::new()?;
    println!(
        "adapter: {} ({:?}), tuning {:?}",
        gpu.info().name,
        gpu.info().backend,
        gpu.tuning()
    );
    let varied: Vec<f32> = (0..n * n)
        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
        .collect();
    for (label, data) in [("constant", vec![0.5; n * n]), ("varied", varied)] {
        let a = gpu.upload(&[n, n], &data)?;
        let b = gpu.upload(&[n, n], &data)?;
        let c = gpu.zeros(&[n, n])?;
        for layout in [Layout::NN, Layout::TN, Layout::NT] {
            wgtrain::ops::matmul_into(&gpu, &a, &b, None, layout, false, &c)?;
            gpu.synchronize()?;
            let t = Instant::now();
            for _ in 0..reps {
                wgtrain::ops::matmul_into(&gpu, &a, &b, None, layout, false, &c)?;
            }
            gpu.synchronize()?;
            let s = t.elapsed().as_secs_f64() / reps as f64;
            println!(
                "{label:8} {layout:?} {n}³: {:.1} ms, {:.2} GFLOP/s",
                s * 1e3,
                2.0 * (n as f64).powi(3) / s / 1e9
            );
        }
    }
    Ok(())
}
