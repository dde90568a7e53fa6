//! `wgtrain devices`: every adapter wgpu sees, with key limits; the default marked.

use wgtrain::{gpu::Gpu, gpu::GpuOptions, Result};

pub fn run() -> Result<()> {
    let opts = GpuOptions::from_env()?;
    let adapters = Gpu::list_adapters_with_limits(&opts)?;
    if adapters.is_empty() {
        println!(
            "no adapters found (on a machine without a GPU: apt-get install mesa-vulkan-drivers)"
        );
    }
    // Listing needs no tuned kernels.
    let quiet = GpuOptions {
        tune: wgtrain::gpu::autotune::TuneMode::Off,
        ..opts.clone()
    };
    let chosen = Gpu::with_options(&quiet).ok();
    let chosen_info = chosen
        .as_ref()
        .map(|g| (g.info().clone(), g.chosen_because().to_string()));
    for (a, l) in &adapters {
        let default = chosen_info
            .as_ref()
            .is_some_and(|(c, _)| c.name == a.name && c.backend == a.backend);
        println!(
            "{} {} ({:?}, {:?}, driver {:?})\n    max storage binding {} MiB, max buffer {} \
             MiB, workgroup ≤ {} invocations ({}×{}×{}), {} storage buffers per stage",
            if default { "*" } else { " " },
            a.name,
            a.backend,
            a.device_type,
            a.driver,
            l.max_storage_buffer_binding_size >> 20,
            l.max_buffer_size >> 20,
            l.max_compute_invocations_per_workgroup,
            l.max_compute_workgroup_size_x,
            l.max_compute_workgroup_size_y,
            l.max_compute_workgroup_size_z,
            l.max_storage_buffers_per_shader_stage,
        );
    }
    match chosen_info {
        Some((c, why)) => println!("* the default ({} on {:?}): {why}", c.name, c.backend),
        None => println!("no usable default adapter; `wgtrain train --device cpu` still works"),
    }
    Ok(())
}
