//! Shared by the Keras round-trip tests: the Python that has Keras (or a skip), the
//! scripts/keras_weights.py commands, f32 files both sides read, the 1e-5 closeness check,
//! and one SGD step compared with Keras's (loss, regularization penalty, every weight).

use std::path::Path;
use std::process::Command;

use super::TempDir;
use wgtrain::nn::{Array, ModelSpec, Sequential};

/// The Python to run Keras with: WGTRAIN_KERAS_PYTHON (which must work: CI sets it only
/// after installing Keras), else python3 when it has Keras, else none (skipped).
pub fn keras_python() -> Option<String> {
    let given = std::env::var("WGTRAIN_KERAS_PYTHON").ok();
    let py = given.clone().unwrap_or_else(|| "python3".into());
    let out = Command::new(&py)
        .args(["-c", "import keras, jax, numpy"])
        .env("KERAS_BACKEND", "jax")
        .output();
    let ok = out.as_ref().is_ok_and(|o| o.status.success());
    if !ok && given.is_some() {
        panic!(
            "WGTRAIN_KERAS_PYTHON={py} cannot import keras and jax: {}",
            out.map_or_else(
                |e| e.to_string(),
                |o| String::from_utf8_lossy(&o.stderr).into_owned()
            )
        );
    }
    if !ok {
        eprintln!("SKIPPED: no Keras in {py} (pip install keras jax, or set WGTRAIN_KERAS_PYTHON)");
    }
    ok.then_some(py)
}

/// Runs Python `code` (argv: `args`) with Keras on JAX's CPU; it fails by exiting non-zero.
pub fn python(py: &str, code: &str, args: &[&str]) {
    let out = Command::new(py)
        .arg("-c")
        .arg(code)
        .args(args)
        .env("KERAS_BACKEND", "jax")
        .env("JAX_PLATFORMS", "cpu")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `scripts/keras_weights.py args…`.
pub fn script(py: &str, args: &[&str]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/keras_weights.py");
    let out = Command::new(py)
        .arg(path)
        .args(args)
        .env("KERAS_BACKEND", "jax")
        .env("JAX_PLATFORMS", "cpu")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "keras_weights.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `wgtrain export CHECKPOINT --out OUT`.
pub fn export(checkpoint: &Path, out: &Path) {
    let run = Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .arg("export")
        .arg(checkpoint)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Little-endian f32s, as numpy's `tofile`.
pub fn write_f32(path: &Path, data: &[f32]) {
    std::fs::write(
        path,
        data.iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>(),
    )
    .unwrap();
}

/// What `write_f32` (or numpy's `tofile`) wrote.
pub fn read_f32(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Every |a − b| ≤ 1e-5 (the issues' bound for Keras parity); prints the largest.
pub fn assert_close(what: &str, a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let (i, d) = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .enumerate()
        .fold((0, 0.0f32), |m, (i, d)| if d > m.1 { (i, d) } else { m });
    assert!(
        d <= 1e-5,
        "{what}: max |Δ| {d} at {i} ({} vs {})",
        a[i],
        b[i]
    );
    eprintln!("{what}: max |Δ| {d:e} over {} values", a.len());
}

/// Keras's predictions of `x` from the exported folder `model` equal `ours`.
pub fn keras_predicts(py: &str, dir: &TempDir, model: &Path, x: &Array, ours: &Array, what: &str) {
    write_f32(&dir.path("x.f32"), &x.data);
    let model = model.to_str().unwrap();
    script(
        py,
        &["predict", model, &dir.s("x.f32"), &dir.s("keras.f32")],
    );
    assert_close(
        &format!("{what}: predictions"),
        &ours.data,
        &read_f32(&dir.path("keras.f32")),
    );
}

/// One SGD step (learning rate `lr`, categorical cross-entropy, the whole batch) in Keras
/// from the exported folder `model` (its weights in `dir`/step), and the same step on `m`
/// (compiled with the same SGD): the penalty before the step, the loss Keras reports
/// (penalty included) and every weight after it agree. `spec` rebuilds Keras's result.
pub fn step_like_keras(
    py: &str,
    dir: &TempDir,
    model: &Path,
    (m, spec): (&mut Sequential, &ModelSpec),
    (x, y, lr): (&Array, &Array, f32),
    what: &str,
) {
    write_f32(&dir.path("x.f32"), &x.data);
    write_f32(&dir.path("y.f32"), &y.data);
    let step = [
        "sgd-step",
        model.to_str().unwrap(),
        &dir.s("x.f32"),
        &dir.s("y.f32"),
        "categorical_crossentropy",
        &lr.to_string(),
        &dir.s("step"),
    ];
    script(py, &step);
    assert_close(
        &format!("{what}: the penalty before the step"),
        &[m.regularization_loss().unwrap()],
        &read_f32(&dir.path("step/regularization.f32")),
    );
    let loss = m.train_on_batch(x, y).unwrap();
    assert_close(
        &format!("{what}: one-step loss"),
        &[loss],
        &read_f32(&dir.path("step/loss.f32")),
    );
    let mut keras = Sequential::from_spec(spec, wgtrain::nn::Device::Cpu, 0).unwrap();
    keras
        .load_weights(dir.path("step/model.safetensors"))
        .unwrap();
    let (a, b) = (m.get_weights().unwrap(), keras.get_weights().unwrap());
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(&b) {
        assert_eq!(a.name, b.name);
        assert_close(
            &format!("{what}: {} after one step", a.name),
            &a.array.data,
            &b.array.data,
        );
    }
}

/// The exported folder `model` saved by Keras (`to-keras`) and read back (`from-keras`):
/// the description Keras's own JSON gives.
pub fn through_keras(py: &str, dir: &TempDir, model: &Path) -> ModelSpec {
    let model = model.to_str().unwrap();
    script(py, &["to-keras", model, &dir.s("model.keras")]);
    script(py, &["from-keras", &dir.s("model.keras"), &dir.s("back")]);
    ModelSpec::from_weights_file(dir.path("back/model.safetensors"))
        .unwrap()
        .unwrap()
}
