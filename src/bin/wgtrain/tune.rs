//! `wgtrain tune`: run the matmul autotune on the adapter now (whatever is cached), save
//! its table where later runs read it, and print it: per layout and size class the
//! kernel picked and every kernel's time. `--json` for one JSON object.

use wgtrain::gpu::autotune::TuneMode;
use wgtrain::gpu::matmul_choice::{MatmulKernel, SizeClass, LAYOUTS};
use wgtrain::{gpu::Gpu, gpu::GpuOptions, Result};

/// `wgtrain tune` flags.
#[derive(clap::Args, Clone, Debug)]
pub struct TuneArgs {
    /// One JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: &TuneArgs) -> Result<()> {
    let opts = GpuOptions {
        tune: TuneMode::Off,
        ..GpuOptions::from_env()?
    };
    let mut gpu = Gpu::with_options(&opts)?;
    let r = gpu.tune_now()?;
    let cache = r
        .cache_file
        .as_ref()
        .map_or("(no cache folder: set WGTRAIN_CACHE_DIR)".into(), |f| {
            f.display().to_string()
        });
    // Where the table went: saved, or why not (later runs then tune again).
    let saved = match (&r.cache_file, &r.save_error) {
        (Some(_), None) => format!("cached in {cache}"),
        (Some(_), Some(e)) => format!(
            "NOT cached: could not save the table in {cache}: {e} (later runs tune again; \
             set WGTRAIN_CACHE_DIR to a writable folder)"
        ),
        (None, _) => format!("not cached {cache}"),
    };
    if a.json {
        let timings: Vec<serde_json::Value> = r
            .timings
            .iter()
            .map(|(l, c, k, us)| {
                serde_json::json!({"layout": format!("{l:?}"), "size": c.name(),
                    "kernel": k.name(), "us": (us * 10.0).round() / 10.0})
            })
            .collect();
        let mut table = serde_json::Map::new();
        for layout in LAYOUTS {
            let row: Vec<&str> = SizeClass::ALL
                .iter()
                .map(|c| {
                    let (m, n, k) = c.representative();
                    r.table.get(layout, m, n, k).name()
                })
                .collect();
            table.insert(format!("{layout:?}"), row.into());
        }
        let out = serde_json::json!({
            "adapter": gpu.info().name, "backend": format!("{:?}", gpu.info().backend),
            "seconds": r.seconds, "clock": r.clock, "cache_file": cache,
            "cached": r.cache_file.is_some() && r.save_error.is_none(),
            "cache_error": r.save_error,
            "table": table, "timings": timings,
        });
        println!("{out}");
        return Ok(());
    }
    println!("adapter: {} ({:?})", gpu.info().name, gpu.info().backend);
    println!("tuned in {:.2} s ({}); {saved}", r.seconds, r.clock);
    let mut head = format!("{:<6} {:<8} {:<16}", "layout", "size", "m×n×k");
    for kernel in MatmulKernel::ALL {
        head += &format!(" {:>10}", kernel.name());
    }
    println!("{head}");
    for layout in LAYOUTS {
        for class in SizeClass::ALL {
            let (m, n, k) = class.representative();
            let picked = r.table.get(layout, m, n, k);
            let mut line = format!(
                "{:<6} {:<8} {:<16}",
                format!("{layout:?}"),
                class.name(),
                format!("{m}×{n}×{k}")
            );
            for kernel in MatmulKernel::ALL {
                let cell = r
                    .timings
                    .iter()
                    .find(|(l, c, kk, _)| *l == layout && *c == class && *kk == kernel)
                    .map_or("—".into(), |(_, _, kk, us)| {
                        let mark = if *kk == picked { "*" } else { " " };
                        format!("{us:.0} µs{mark}")
                    });
                line += &format!(" {cell:>10}");
            }
            println!("{line}");
        }
    }
    println!("(* the kernel picked; every kernel gives the same bits)");
    Ok(())
}
