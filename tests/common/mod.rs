//! Shared test helpers: the one GPU every GPU test uses, seeded inputs with outliers, the
//! llm.c-style closeness check that reports the max difference and first bad index, and
//! scratch folders.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::OnceLock;
use wgtrain::Gpu;

/// The shared GPU, or `None` when `WGTRAIN_SKIP_GPU_TESTS=1` (announced on stderr).
/// Without an adapter (and without that variable) the test fails with the error that
/// says how to get one.
pub fn gpu() -> Option<&'static Gpu> {
    if std::env::var("WGTRAIN_SKIP_GPU_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("WGTRAIN_SKIP_GPU_TESTS=1: skipping this GPU test");
        return None;
    }
    static GPU: OnceLock<Result<Gpu, String>> = OnceLock::new();
    match GPU.get_or_init(|| Gpu::new().map_err(|e| e.to_string())) {
        Ok(g) => Some(g),
        Err(e) => panic!("GPU test cannot run: {e}"),
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

/// The shared GPU as a model backend, or `None` when GPU tests are skipped.
pub fn gpu_backend() -> Option<wgtrain::nn::Backend> {
    gpu()?;
    static SHARED: OnceLock<std::sync::Arc<Gpu>> = OnceLock::new();
    let g = SHARED.get_or_init(|| std::sync::Arc::new(Gpu::new().expect("GPU")));
    Some(wgtrain::nn::Backend::Gpu(g.clone()))
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

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
