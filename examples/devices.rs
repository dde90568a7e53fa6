//! Lists every adapter wgpu can see and opens the one wgtrain would use.
//! `cargo run --example devices`

fn main() -> Result<(), wgtrain::Error> {
    let opts = wgtrain::GpuOptions::from_env()?;
    for a in wgtrain::Gpu::list_adapters(&opts)? {
        println!(
            "seen: {} ({:?}, {:?}, driver {:?})",
            a.name, a.backend, a.device_type, a.driver
        );
    }
    let gpu = wgtrain::Gpu::with_options(&opts)?;
    println!("using: {}", gpu.info());
    let a = gpu.upload(&[2, 3], &[1., 2., 3., 4., 5., 6.])?;
    let b = gpu.upload(&[3, 2], &[1., 0., 0., 1., 1., 1.])?;
    let c = wgtrain::ops::matmul(&gpu, &a, &b, None, wgtrain::shape::Layout::NN, false)?;
    println!(
        "[[1,2,3],[4,5,6]]·[[1,0],[0,1],[1,1]] = {:?}",
        gpu.download(&c)?
    );
    Ok(())
}
