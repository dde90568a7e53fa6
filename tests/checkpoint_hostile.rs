//! Checkpoints that are damaged, forged or from a diverged run: every one is a clear error
//! naming the file and the field or tensor, found without hanging or allocating more than
//! the file justifies; loading for inference reads only the model and its weights; saves
//! refuse NaN weights and leave the previous file intact; identical runs save identical
//! bytes on both devices.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use common::{gpu_device, randn, TempDir};
use safetensors::tensor::TensorView;
use wgtrain::nn::{
    layers::{Dense, Dropout},
    to_categorical, Activation, Array, Device, FitOptions, Loss, Metric, NamedArray, Optimizer,
    Sequential, Verbose,
};
use wgtrain::Error;

fn data() -> (Array, Array) {
    let n = 120;
    let x = randn(5, n * 6, 1.0);
    let labels: Vec<u8> = (0..n).map(|i| (x[i * 6] > x[i * 6 + 1]) as u8).collect();
    (
        Array::new(&[n, 6], x).unwrap(),
        to_categorical(&labels, 2).unwrap(),
    )
}

fn model(dev: Device) -> Sequential {
    let mut m = Sequential::new(dev, &[6]).with_seed(11);
    m.add(Dense::new(8, Activation::Relu)).unwrap();
    m.add(Dropout::new(0.2)).unwrap();
    m.add(Dense::new(2, Activation::Softmax)).unwrap();
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    m
}

fn fit(m: &mut Sequential, epochs: usize) {
    let (x, y) = data();
    let o = FitOptions {
        epochs,
        batch_size: 16,
        validation_split: 0.25,
        verbose: Verbose::Silent,
        ..Default::default()
    };
    m.fit(&x, &y, &o).unwrap();
}

/// A trained model's checkpoint bytes.
fn good_checkpoint(dir: &TempDir) -> Vec<u8> {
    let mut m = model(Device::Cpu);
    fit(&mut m, 2);
    let p = dir.path("good.safetensors");
    m.save(&p).unwrap();
    std::fs::read(p).unwrap()
}

/// The checkpoint rewritten: metadata and tensors passed through `edit`.
fn forge(
    bytes: &[u8],
    edit: impl FnOnce(
        &mut HashMap<String, String>,
        &mut Vec<(String, Vec<u8>, Vec<usize>, safetensors::Dtype)>,
    ),
) -> Vec<u8> {
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes).unwrap();
    let mut meta = header.metadata().clone().unwrap();
    let st = safetensors::SafeTensors::deserialize(bytes).unwrap();
    let mut tensors: Vec<_> = st
        .tensors()
        .into_iter()
        .map(|(n, t)| (n, t.data().to_vec(), t.shape().to_vec(), t.dtype()))
        .collect();
    edit(&mut meta, &mut tensors);
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .map(|(n, d, s, t)| (n.clone(), TensorView::new(*t, s.clone(), d).unwrap()))
        .collect();
    safetensors::serialize(views, Some(meta)).unwrap()
}

/// Load `bytes` (written to `name`) fully and for inference; both results.
fn load_both(
    dir: &TempDir,
    name: &str,
    bytes: &[u8],
) -> (Result<Sequential, Error>, Result<Sequential, Error>) {
    let p = dir.path(name);
    std::fs::write(&p, bytes).unwrap();
    let t = Instant::now();
    let full = Sequential::load(&p, Device::Cpu);
    let inference = Sequential::load_for_inference(&p, Device::Cpu);
    assert!(
        t.elapsed().as_secs() < 20,
        "{name}: loading took {:?}",
        t.elapsed()
    );
    (full, inference)
}

fn set_json(
    meta: &mut HashMap<String, String>,
    key: &str,
    path: &[&str],
    value: serde_json::Value,
) {
    let mut v: serde_json::Value = serde_json::from_str(&meta[key]).unwrap();
    let mut at = &mut v;
    for p in path {
        at = match p.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*p],
        };
    }
    *at = value;
    meta.insert(key.into(), v.to_string());
}

#[test]
fn forged_training_metadata_is_refused_fast_and_ignored_for_inference() {
    let dir = TempDir::new("forged-training");
    let good = good_checkpoint(&dir);
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        // Replaying 10^15 shuffles would hang; 10^12 rows would allocate 8 TB.
        (
            "shuffle_log",
            serde_json::json!([[72, 1_000_000_000_000_000u64]]),
            "shuffles",
        ),
        (
            "shuffle_log",
            serde_json::json!([[1_000_000_000_000u64, 1]]),
            "shuffle of 1000000000000 rows",
        ),
        ("epochs_done", serde_json::json!(u64::MAX), "epochs_done"),
        ("epochs_done", serde_json::json!(3), "epochs_done 3"),
        ("history", serde_json::json!([]), "epochs_done 2"),
    ];
    for (field, value, want) in cases {
        let bytes = forge(&good, |meta, _| {
            set_json(meta, "training", &[field], value.clone())
        });
        let (full, inference) = load_both(&dir, "forged", &bytes);
        let e = full
            .err()
            .unwrap_or_else(|| panic!("{field} = {value} accepted"))
            .to_string();
        assert!(
            e.contains("forged") && e.contains("training") && e.contains(want),
            "{field}: {e}"
        );
        let m = inference.unwrap_or_else(|e| panic!("inference load of {field} = {value}: {e}"));
        assert_eq!(
            m.epoch_logs().len(),
            0,
            "inference loading reads no training state"
        );
    }
    // Epochs out of order, a duplicate key, an unknown field, garbage text.
    let bytes = forge(&good, |meta, _| {
        let mut v: serde_json::Value = serde_json::from_str(&meta["training"]).unwrap();
        v["history"][0]["epoch"] = serde_json::json!(7);
        meta.insert("training".into(), v.to_string());
    });
    let e = load_both(&dir, "order", &bytes)
        .0
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("history entry 0 is epoch 7"), "{e}");
    let bytes = forge(&good, |meta, _| {
        let t = meta["training"].clone();
        meta.insert("training".into(), t.replacen('{', r#"{"seed": 1, "#, 1));
    });
    let e = load_both(&dir, "dup", &bytes).0.err().unwrap().to_string();
    assert!(e.contains("duplicate key `seed`"), "{e}");
    let bytes = forge(&good, |meta, _| {
        set_json(meta, "training", &["extra"], serde_json::json!(1))
    });
    let e = load_both(&dir, "extra", &bytes)
        .0
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("extra"), "{e}");
    let bytes = forge(&good, |meta, _| {
        meta.insert("compile".into(), "\u{feff}{}".into());
    });
    let (full, inference) = load_both(&dir, "bom", &bytes);
    for e in [
        full.err().unwrap().to_string(),
        inference.err().unwrap().to_string(),
    ] {
        assert!(e.contains("byte-order mark"), "{e}");
    }
    // Hyper-parameters nobody could have set.
    let bytes = forge(&good, |meta, _| {
        set_json(
            meta,
            "compile",
            &["optimizer", "learning_rate"],
            serde_json::json!(-1.0),
        )
    });
    let e = load_both(&dir, "lr", &bytes).0.err().unwrap().to_string();
    assert!(e.contains("hyper-parameters"), "{e}");
    // A training order that is not a permutation (a repeated row).
    let bytes = forge(&good, |_, tensors| {
        let t = tensors
            .iter_mut()
            .find(|t| t.0 == "training.order")
            .unwrap();
        let first = t.1[..4].to_vec();
        t.1[4..8].copy_from_slice(&first);
    });
    let e = load_both(&dir, "perm", &bytes).0.err().unwrap().to_string();
    assert!(e.contains("not a permutation"), "{e}");
}

#[test]
fn huge_models_in_metadata_are_refused_before_allocating() {
    let dir = TempDir::new("forged-model");
    let good = good_checkpoint(&dir);
    for (units, want) in [
        (18_446_744_073_709_551_615u64, "parameters"),
        (100_000_000, "needs"),
        (1_000_000_000_000, "needs"),
    ] {
        let bytes = forge(&good, |meta, _| {
            set_json(
                meta,
                "model",
                &["layers", "0", "Dense", "units"],
                serde_json::json!(units),
            )
        });
        let (full, inference) = load_both(&dir, "huge", &bytes);
        for e in [full.err().unwrap(), inference.err().unwrap()] {
            let e = e.to_string();
            assert!(
                e.contains("layer 0 (Dense)") || e.contains("layers.0"),
                "{units}: {e}"
            );
            assert!(e.contains(want), "{units}: {e}");
        }
    }
}

#[test]
fn non_finite_weights_are_refused_on_load_and_on_save() {
    let dir = TempDir::new("nan");
    let good = good_checkpoint(&dir);
    for (name, value) in [
        ("layers.2.kernel", f32::NAN),
        ("optimizer.layers.0.bias.v", f32::INFINITY),
    ] {
        let bytes = forge(&good, |_, tensors| {
            let t = tensors.iter_mut().find(|t| t.0 == name).unwrap();
            t.1[4..8].copy_from_slice(&value.to_le_bytes());
        });
        let (full, inference) = load_both(&dir, "bad", &bytes);
        let e = full.err().unwrap().to_string();
        assert!(e.contains(name) && e.contains("index 1"), "{e}");
        // Inference reads weights only: a bad optimizer slot does not stop it.
        match name.starts_with("optimizer") {
            true => drop(inference.unwrap()),
            false => assert!(inference.err().unwrap().to_string().contains(name)),
        }
    }
    // Saving NaN weights is refused and the previous checkpoint is kept byte for byte.
    let p = dir.path("kept.safetensors");
    let mut m = model(Device::Cpu);
    m.save(&p).unwrap();
    let before = std::fs::read(&p).unwrap();
    let mut w: Vec<NamedArray> = m.get_weights().unwrap();
    w[0].array.data[3] = f32::NAN;
    m.set_weights(&w).unwrap();
    let e = m.save(&p).unwrap_err();
    assert!(matches!(e, Error::NonFiniteWeights { .. }), "{e}");
    let e = e.to_string();
    assert!(
        e.contains("layers.0.kernel") && e.contains("index 3") && e.contains("kept.safetensors"),
        "{e}"
    );
    assert_eq!(std::fs::read(&p).unwrap(), before);
}

fn identical_runs_save_identical_bytes(dev: impl Fn() -> Device, dir: &Path) {
    let mut bytes = Vec::new();
    for run in 0..2 {
        let mut m = model(dev());
        fit(&mut m, 3);
        let p = dir.join(format!("run{run}.safetensors"));
        m.save(&p).unwrap();
        // Saving the same model again gives the same bytes too.
        m.save(&p).unwrap();
        bytes.push(std::fs::read(&p).unwrap());
    }
    assert!(
        bytes[0] == bytes[1],
        "two identical runs saved different checkpoints"
    );
}

#[test]
fn identical_runs_save_byte_identical_checkpoints_on_the_cpu() {
    let dir = TempDir::new("same-bytes-cpu");
    identical_runs_save_identical_bytes(|| Device::Cpu, &dir);
}

#[test]
fn identical_runs_save_byte_identical_checkpoints_on_the_gpu() {
    let Some(dev) = gpu_device() else { return };
    let dir = TempDir::new("same-bytes-gpu");
    identical_runs_save_identical_bytes(|| dev.clone(), &dir);
}

#[test]
fn checkpoints_written_with_wall_clock_times_still_load() {
    // Before checkpoints became byte-identical, their history kept each epoch's seconds.
    let dir = TempDir::new("old-format");
    let good = good_checkpoint(&dir);
    let bytes = forge(&good, |meta, _| {
        for i in ["0", "1"] {
            set_json(
                meta,
                "training",
                &["history", i, "seconds"],
                serde_json::json!(12.5),
            );
        }
    });
    let (full, inference) = load_both(&dir, "old", &bytes);
    let m = full.unwrap();
    assert_eq!(m.epoch_logs().len(), 2);
    assert_eq!(m.epoch_logs()[1].seconds, 12.5);
    inference.unwrap();
    // Saved again, the times are left out (null), as for every checkpoint now.
    let p = dir.path("resaved.safetensors");
    m.save(&p).unwrap();
    let again = Sequential::load(&p, Device::Cpu).unwrap();
    assert!(again.epoch_logs()[1].seconds.is_nan());
    // And history entries without the field at all (the fuzzers' seed checkpoints).
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/checkpoint");
    for f in std::fs::read_dir(seeds).unwrap() {
        let p = f.unwrap().path();
        let m = Sequential::load(&p, Device::Cpu).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.epoch_logs().len(), 2, "{}", p.display());
    }
}
