//! The matmul autotune: `tune_now` times every kernel on this adapter and caches the table
//! under the adapter, driver, version and kernels; a later `Gpu` with `TuneMode::Auto`
//! reads it back; a damaged or foreign cache file is ignored (never an error);
//! `TuneMode::Off` keeps the measured defaults; a bad `WGTRAIN_TUNE` is a clear error.
//! One test function, since it points `WGTRAIN_CACHE_DIR` at a scratch folder.

mod common;

use common::{gpu, wgtrain, TempDir};
use wgtrain::gpu::autotune::TuneMode;
use wgtrain::gpu::matmul_choice::{MatmulKernel, MatmulTable, SizeClass, LAYOUTS};
use wgtrain::{gpu::Gpu, gpu::GpuOptions};

fn options(tune: TuneMode) -> GpuOptions {
    GpuOptions {
        tune,
        ..GpuOptions::from_env().unwrap()
    }
}

#[test]
fn autotune_caches_its_table_and_reads_it_back() {
    let Some(_) = gpu() else { return };
    let dir = TempDir::new("autotune");
    std::env::set_var("WGTRAIN_CACHE_DIR", &dir.0);

    let mut g = Gpu::with_options(&options(TuneMode::Off)).unwrap();
    assert_eq!(
        g.tuning().matmul,
        MatmulTable::for_device(g.info().is_cpu()),
        "off: the adapter's defaults"
    );
    let r = g.tune_now().unwrap();
    // Every family, less the workgroup-memory ones where they are not offered (GL).
    let offered: Vec<MatmulKernel> = MatmulKernel::ALL
        .into_iter()
        .filter(|k| g.offers_tiled_matmul() || !k.is_tiled())
        .collect();
    let kernels = offered.len();
    assert_eq!(
        r.timings.len(),
        9 * kernels,
        "every kernel on every class: {:?}",
        r.timings
    );
    assert!(
        r.timings.iter().all(|t| t.3.is_finite() && t.3 > 0.0),
        "{:?}",
        r.timings
    );
    for layout in LAYOUTS {
        for class in SizeClass::ALL {
            // The pick is the fastest, or the defaults within 10 % of it.
            let (m, n, k) = class.representative();
            let picked = r.table.get(layout, m, n, k);
            let time = |kernel| {
                r.timings
                    .iter()
                    .find(|t| t.0 == layout && t.1 == class && t.2 == kernel)
                    .unwrap()
                    .3
            };
            let best = MatmulKernel::ALL
                .into_iter()
                .filter(|kk| offered.contains(kk))
                .map(time)
                .fold(f64::INFINITY, f64::min);
            assert!(
                time(picked) <= best / 0.9 + 1e-9,
                "{layout:?} {class:?}: picked {picked:?}"
            );
        }
    }
    assert_eq!(g.tuning().matmul, r.table, "applied");
    let file = r
        .cache_file
        .clone()
        .expect("a cache file under WGTRAIN_CACHE_DIR");
    assert!(
        file.starts_with(&dir.0) && file.exists(),
        "{}",
        file.display()
    );

    // Read back by the next Gpu, without timing anything.
    let mut again = Gpu::with_options(&options(TuneMode::Off)).unwrap();
    let back = again
        .tune(TuneMode::Auto)
        .unwrap()
        .expect("the cached table");
    assert!(back.from_cache && back.timings.is_empty());
    assert_eq!(back.table, r.table);
    assert_eq!(again.tuning().matmul, r.table);

    // A damaged file is ignored (defaults on a CPU adapter, else a fresh tune), never an error.
    for junk in [
        "",
        "{",
        "[]",
        "{\"adapter\": \"another GPU\", \"table\": {}}",
    ] {
        std::fs::write(&file, junk).unwrap();
        let g = Gpu::with_options(&options(TuneMode::Auto)).unwrap();
        match g.info().is_cpu() {
            true => assert_eq!(g.tuning().matmul, MatmulTable::for_device(true), "{junk:?}"),
            false => assert!(std::fs::read_to_string(&file).unwrap().contains("table")),
        }
    }
    let g = Gpu::with_options(&options(TuneMode::Off)).unwrap();
    assert_eq!(
        g.tuning().matmul,
        MatmulTable::for_device(g.info().is_cpu())
    );

    // The command prints the table; a bad WGTRAIN_TUNE is an error naming it.
    let out = wgtrain(&["tune"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("register") && text.contains("picked"),
        "{text}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .arg("devices")
        .env("WGTRAIN_TUNE", "fast")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("WGTRAIN_TUNE"),
        "{err}"
    );
}
