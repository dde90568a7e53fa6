//! Matmul GFLOP/s through the runtime on the chosen adapter, GPU time to completion.
//! `cargo run --release --example matmul_gflops -- [SIZE | MxNxK] [reps]`
//! (C[M,N] from A[M,K] and B[K,N]; TN reads A as [K,M], NT reads B as [N,K].)

use std::time::Instant;
use wgtrain::shape::Layout;

fn parse_shape(s: &str) -> Option<[usize; 3]> {
    let dims: Vec<usize> = s
        .split('x')
        .map(|d| d.parse().ok())
        .collect::<Option<_>>()?;
    match dims[..] {
        [n] => Some([n, n, n]),
        [m, n, k] => Some([m, n, k]),
        _ => None,
    }
}

fn main() -> Result<(), wgtrain::Error> {
    let mut args = std::env::args().skip(1);
    let [m, n, k] = args
        .next()
        .map(|s| parse_shape(&s).expect("shape: SIZE or MxNxK, e.g. 1024 or 3872x64x288"))
        .unwrap_or([1024, 1024, 1024]);
    let reps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let gpu = wgtrain::gpu::Gpu::new()?;
    println!(
        "adapter: {} ({:?}), tuning {:?}",
        gpu.info().name,
        gpu.info().backend,
        gpu.tuning()
    );
    let varied = |len: usize| -> Vec<f32> {
        (0..len)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect()
    };
    let c = gpu.zeros(&[m, n])?;
    for layout in [Layout::NN, Layout::TN, Layout::NT] {
        let a_shape = if layout == Layout::TN { [k, m] } else { [m, k] };
        let b_shape = if layout == Layout::NT { [n, k] } else { [k, n] };
        let a = gpu.upload(&a_shape, &varied(m * k))?;
        let b = gpu.upload(&b_shape, &varied(k * n))?;
        wgtrain::ops::matmul_into(&gpu, &a, &b, None, layout, false, &c)?;
        gpu.synchronize()?;
        let t = Instant::now();
        for _ in 0..reps {
            wgtrain::ops::matmul_into(&gpu, &a, &b, None, layout, false, &c)?;
        }
        gpu.synchronize()?;
        let s = t.elapsed().as_secs_f64() / reps as f64;
        println!(
            "{layout:?} {m}×{n}×{k}: {:.2} ms, {:.2} GFLOP/s",
            s * 1e3,
            2.0 * (m * n * k) as f64 / s / 1e9
        );
    }
    Ok(())
}
