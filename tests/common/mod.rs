//! Shared test helpers: the one GPU every GPU test uses, seeded inputs with outliers, the
//! llm.c-style closeness check that reports the max difference and first bad index, and
//! scratch folders.
#![allow(dead_code)]

pub mod keras;
pub mod layer_checks;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::OnceLock;
use wgtrain::gpu::Gpu;

/// The shared GPU, or `None` when `WGTRAIN_SKIP_GPU_TESTS=1` (announced on stderr).
/// Without an adapter (and without that variable) the test fails with the error that
/// says how to get one.
pub fn gpu() -> Option<&'static Gpu> {
    fixed_kernels();
    if std::env::var("WGTRAIN_SKIP_GPU_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("WGTRAIN_SKIP_GPU_TESTS=1: skipping this GPU test");
        return None;
    }
    static GPU: OnceLock<Result<Gpu, String>> = OnceLock::new();
    match GPU.get_or_init(|| Gpu::new().map_err(|e| e.to_string())) {
        Ok(g) => {
            expect_adapter(g);
            Some(g)
        }
        Err(e) => panic!("GPU test cannot run: {e}"),
    }
}

/// Tests run on the measured default kernels, not a tuned table (`WGTRAIN_TUNE=off`,
/// unless the caller set it): the same choice every run, nothing cached. (Every matmul
/// kernel gives the same bits anyway.) Spawned `wgtrain` processes inherit it.
pub fn fixed_kernels() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("WGTRAIN_TUNE").is_none() {
            std::env::set_var("WGTRAIN_TUNE", "off");
        }
    });
}

/// With `WGTRAIN_EXPECT_ADAPTER` set (scripts/test.sh sets it per driver), the adapter
/// must be that one: "name (Device)" contains each of its comma-separated words,
/// case-insensitively (e.g. `llvmpipe,gl`).
pub fn expect_adapter(g: &Gpu) {
    if let Ok(want) = std::env::var("WGTRAIN_EXPECT_ADAPTER") {
        let have = format!("{} ({:?})", g.info().name, g.info().backend);
        let lower = have.to_lowercase();
        for w in want.split(',') {
            assert!(
                lower.contains(&w.trim().to_lowercase()),
                "WGTRAIN_EXPECT_ADAPTER={want:?} but the tests got {have}"
            );
        }
    }
}

/// Seeded values, mostly uniform in [-1, 1), with about one in 37 an outlier of
/// magnitude up to `outlier`.
pub fn randn(seed: u64, n: usize, outlier: f32) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let v: f32 = rng.random_range(-1.0..1.0);
            if rng.random_range(0..37) == 0 {
                v * outlier
            } else {
                v
            }
        })
        .collect()
}

/// One-hot rows of `cols` classes, seeded.
pub fn one_hot(seed: u64, rows: usize, cols: usize) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut y = vec![0.0; rows * cols];
    for r in 0..rows {
        y[r * cols + rng.random_range(0..cols)] = 1.0;
    }
    y
}

/// Check |gpu − cpu| ≤ atol + rtol·|cpu| everywhere; on failure report the max
/// difference, where it is, the first bad index and how many are bad.
#[track_caller]
pub fn assert_close(what: &str, gpu: &[f32], cpu: &[f32], atol: f32, rtol: f32) {
    assert_eq!(
        gpu.len(),
        cpu.len(),
        "{what}: length gpu {} vs cpu {}",
        gpu.len(),
        cpu.len()
    );
    let mut max_diff = 0f32;
    let mut max_at = 0;
    let mut first_bad = None;
    let mut bad = 0;
    for (i, (&g, &c)) in gpu.iter().zip(cpu).enumerate() {
        let d = (g - c).abs();
        let ok = d <= atol + rtol * c.abs();
        if !ok || d.is_nan() {
            bad += 1;
            first_bad.get_or_insert(i);
        }
        if d > max_diff || d.is_nan() {
            max_diff = d;
            max_at = i;
        }
    }
    if let Some(i) = first_bad {
        panic!(
            "{what}: {bad}/{} elements out of tolerance (atol {atol:e}, rtol {rtol:e}); \
             first bad index {i}: gpu {} cpu {}; max |diff| {max_diff:e} at {max_at}: gpu {} cpu {}",
            gpu.len(),
            gpu[i],
            cpu[i],
            gpu[max_at],
            cpu[max_at]
        );
    }
}

/// Largest |gpu − cpu|, for tests that print what they measured.
pub fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The shared GPU as a model device, or `None` when GPU tests are skipped.
pub fn gpu_device() -> Option<wgtrain::nn::Device> {
    gpu()?;
    static SHARED: OnceLock<std::sync::Arc<Gpu>> = OnceLock::new();
    let g = SHARED.get_or_init(|| std::sync::Arc::new(Gpu::new().expect("GPU")));
    Some(wgtrain::nn::Device::Gpu(g.clone()))
}

/// A scratch folder under the system temp dir (named after the test and the process),
/// removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("wgtrain-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }

    /// A path inside the folder.
    pub fn path(&self, p: &str) -> std::path::PathBuf {
        self.0.join(p)
    }

    /// The same as a string (for command lines).
    pub fn s(&self, p: &str) -> String {
        self.path(p).display().to_string()
    }
}

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

/// So a `&TempDir` goes wherever the library takes `impl AsRef<Path>`.
impl AsRef<std::path::Path> for TempDir {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The MNIST folder (`MNIST_DIR` or data/mnist), or `None` (announced) when
/// `WGTRAIN_SKIP_MNIST_TESTS=1`; without data and without that variable the test fails
/// with the message that says how to fetch it.
pub fn mnist_dir() -> Option<std::path::PathBuf> {
    let dir = wgtrain::data::data_dir(None);
    match wgtrain::data::split_files(&dir, false) {
        Ok(_) => Some(dir),
        Err(e) if std::env::var("WGTRAIN_SKIP_MNIST_TESTS").is_ok_and(|v| v == "1") => {
            eprintln!("WGTRAIN_SKIP_MNIST_TESTS=1: skipping ({e})");
            None
        }
        Err(e) => panic!("{e}\n(set WGTRAIN_SKIP_MNIST_TESTS=1 to skip this test)"),
    }
}

/// Run the `wgtrain` binary to completion.
pub fn wgtrain(args: &[&str]) -> std::process::Output {
    fixed_kernels();
    std::process::Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .args(args)
        .output()
        .expect("run wgtrain")
}

/// `wgtrain train --csv CSV --target TARGET --model MODEL --device cpu --quiet --out OUT`
/// and `extra` flags (`--epochs 1` unless they give one).
pub fn train_table(
    csv: &str,
    target: &str,
    model: &str,
    out: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "train", "--csv", csv, "--target", target, "--model", model, "--device", "cpu", "--quiet",
        "--out", out,
    ];
    if !extra.contains(&"--epochs") {
        args.extend(["--epochs", "1"]);
    }
    args.extend(extra);
    wgtrain(&args)
}

/// `wgtrain train --data-dir DATA --model MODEL --device cpu --quiet --out OUT` and `extra`
/// flags (`--epochs 1` unless they give one).
pub fn train_images(data: &str, model: &str, out: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "train",
        "--data-dir",
        data,
        "--model",
        model,
        "--device",
        "cpu",
        "--quiet",
        "--out",
        out,
    ];
    if !extra.contains(&"--epochs") {
        args.extend(["--epochs", "1"]);
    }
    args.extend(extra);
    wgtrain(&args)
}

/// The output's stderr / stdout as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A digit drawn with thick dark strokes on a light canvas of `w`×`h`, with the strokes
/// given as polylines in [0, 1]² of the canvas.
pub fn draw(w: u32, h: u32, strokes: &[&[(f32, f32)]], pen: f32) -> image::GrayImage {
    let mut img = image::GrayImage::from_pixel(w, h, image::Luma([235]));
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        let mut d = f32::MAX;
        for s in strokes {
            for seg in s.windows(2) {
                let (ax, ay) = (seg[0].0 * w as f32, seg[0].1 * h as f32);
                let (bx, by) = (seg[1].0 * w as f32, seg[1].1 * h as f32);
                let (vx, vy) = (bx - ax, by - ay);
                let t = (((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy).max(1e-6))
                    .clamp(0.0, 1.0);
                let (cx, cy) = (ax + t * vx, ay + t * vy);
                d = d.min(((px - cx).powi(2) + (py - cy).powi(2)).sqrt());
            }
        }
        if d < pen / 2.0 {
            *p = image::Luma([25]);
        }
    }
    img
}

/// Polylines of one drawn digit.
pub type Strokes<'a> = Vec<&'a [(f32, f32)]>;

pub fn ring(cx: f32, cy: f32, rx: f32, ry: f32) -> Vec<(f32, f32)> {
    (0..=40)
        .map(|i| {
            let a = i as f32 / 40.0 * std::f32::consts::TAU;
            (cx + rx * a.cos(), cy + ry * a.sin())
        })
        .collect()
}

/// Bytes of an IDX file of unsigned bytes.
pub fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(data);
    v
}

/// A fake MNIST folder: `train` and `test` images of `side`×`side` (the test split's side
/// may differ) with seeded pixels, and labels 0..=9 that the pixels predict a little.
pub fn fake_mnist(dir: &std::path::Path, train: usize, test: usize, side: (u32, u32)) {
    std::fs::create_dir_all(dir).unwrap();
    let mut rng = StdRng::seed_from_u64(9);
    for (prefix, n, s) in [("train", train, side.0), ("t10k", test, side.1)] {
        let px = (s * s) as usize;
        let mut pixels = vec![0u8; n * px];
        let mut labels = vec![0u8; n];
        for i in 0..n {
            let l = rng.random_range(0..10u8);
            labels[i] = l;
            for p in 0..px {
                let on = p % 10 == l as usize || rng.random_range(0..8) == 0;
                pixels[i * px + p] = if on { rng.random_range(128..=255) } else { 0 };
            }
        }
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            idx_bytes(&[n as u32, s, s], &pixels),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            idx_bytes(&[n as u32], &labels),
        )
        .unwrap();
    }
}
