//! Checkpoints and model descriptions: resume is bit-identical to training in one go
//! (CPU device), a GPU checkpoint predicts the same on the CPU, saves are atomic, bad
//! files and bad descriptions are clear errors naming the file, layer and field.

mod common;

use std::path::Path;

use common::{gpu_device, max_diff, randn, TempDir};
use wgtrain::nn::models::mnist_cnn;
use wgtrain::nn::{
    layers::{Dense, Dropout},
    to_categorical, Activation, Array, Device, FitOptions, LearningRateSchedule, Loss, Metric,
    ModelSpec, Optimizer, Sequential, Verbose,
};

/// 200 samples of 12 features, 4 classes (the class is the argmax of a fixed projection).
fn data() -> (Array, Array) {
    let n = 200;
    let x = randn(7, n * 12, 1.0);
    let labels: Vec<u8> = (0..n)
        .map(|i| {
            let r = &x[i * 12..i * 12 + 12];
            let s = [
                r[0] + r[1],
                r[2] - r[3],
                r[4] + r[5] - r[6],
                r[7] * 0.5 - r[8],
            ];
            (0..4).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap() as u8
        })
        .collect();
    (
        Array::new(&[n, 12], x).unwrap(),
        to_categorical(&labels, 4).unwrap(),
    )
}

fn model(dev: Device, opt: Optimizer) -> Sequential {
    let mut m = Sequential::new(dev, &[12]).with_seed(3);
    m.add(Dense::new(16, Activation::Relu)).unwrap();
    m.add(Dropout::new(0.25)).unwrap();
    m.add(Dense::new(4, Activation::Softmax)).unwrap();
    m.compile(opt, Loss::CategoricalCrossentropy, &[Metric::Accuracy])
        .unwrap();
    m
}

fn opts(epochs: usize, initial_epoch: usize) -> FitOptions {
    FitOptions {
        epochs,
        initial_epoch,
        batch_size: 16,
        validation_split: 0.2,
        shuffle: true,
        verbose: Verbose::Silent,
        stop: None,
        early_stopping: None,
        reduce_lr_on_plateau: None,
    }
}

fn weights(m: &Sequential) -> Vec<(String, Vec<f32>)> {
    m.get_weights()
        .unwrap()
        .into_iter()
        .map(|w| (w.name, w.array.data))
        .collect()
}

/// Where two weight lists first differ, if they do.
fn first_difference(a: &[(String, Vec<f32>)], b: &[(String, Vec<f32>)]) -> Option<String> {
    for ((na, va), (nb, vb)) in a.iter().zip(b) {
        assert_eq!(na, nb);
        if let Some(i) = (0..va.len()).find(|&i| va[i].to_bits() != vb[i].to_bits()) {
            return Some(format!("{na}[{i}]: {} vs {}", va[i], vb[i]));
        }
    }
    None
}

#[test]
fn resume_equals_training_in_one_go_bit_for_bit_on_cpu() {
    let (x, y) = data();
    let dir = TempDir::new("resume");
    for opt in [
        Optimizer::adam(),
        Optimizer::sgd(0.05, 0.9),
        Optimizer::adamw(),
        Optimizer::rmsprop_with(1e-3, 0.9, 0.5),
    ] {
        let mut whole = model(Device::Cpu, opt);
        whole.fit(&x, &y, &opts(5, 0)).unwrap();

        let mut first = model(Device::Cpu, opt);
        first.fit(&x, &y, &opts(3, 0)).unwrap();
        let path = dir.path("m.safetensors");
        first.save(&path).unwrap();
        drop(first);
        let mut resumed = Sequential::load(&path, Device::Cpu).unwrap();
        assert_eq!(
            resumed.epoch_logs().len(),
            3,
            "history travels in the checkpoint"
        );
        let h = resumed.fit(&x, &y, &opts(5, 3)).unwrap();
        assert_eq!(h.epochs.iter().map(|e| e.epoch).collect::<Vec<_>>(), [4, 5]);

        if let Some(d) = first_difference(&weights(&whole), &weights(&resumed)) {
            panic!(
                "{}: 5 epochs in one go and 3 + save + load + 2 must agree exactly; {d}",
                opt.name()
            );
        }
        let losses = |m: &Sequential| -> Vec<(f32, Option<f32>)> {
            m.epoch_logs()
                .iter()
                .map(|e| (e.loss, e.val_loss))
                .collect()
        };
        assert_eq!(losses(&whole), losses(&resumed));
        // And the control: without the optimizer state the result differs.
        let mut cold = model(Device::Cpu, opt);
        cold.set_weights(
            &Sequential::load(&path, Device::Cpu)
                .unwrap()
                .get_weights()
                .unwrap(),
        )
        .unwrap();
        cold.fit(&x, &y, &opts(5, 3)).unwrap();
        assert!(
            first_difference(&weights(&whole), &weights(&cold)).is_some(),
            "the control must differ"
        );
    }
}

#[test]
fn gpu_checkpoint_predicts_the_same_on_the_cpu() {
    let Some(gpu) = gpu_device() else { return };
    let (x, y) = data();
    let mut m = model(gpu, Optimizer::adam());
    m.fit(&x, &y, &opts(2, 0)).unwrap();
    let dir = TempDir::new("gpu2cpu");
    let path = dir.path("gpu.safetensors");
    m.save(&path).unwrap();
    let p_gpu = m.predict(&x).unwrap();
    let c = Sequential::load(&path, Device::Cpu).unwrap();
    let p_cpu = c.predict(&x).unwrap();
    let d = max_diff(&p_gpu.data, &p_cpu.data);
    println!("GPU vs CPU predictions after a GPU checkpoint: max diff {d:.2e}");
    assert!(d <= 1e-5, "max diff {d}");
    assert_eq!(weights(&m), weights(&c), "weights load exactly");
}

#[test]
fn saves_are_atomic_and_leave_no_temporary_files() {
    let dir = TempDir::new("atomic");
    let path = dir.path("m.safetensors");
    let mut m = model(Device::Cpu, Optimizer::adam());
    m.save(&path).unwrap();
    let first = std::fs::read(&path).unwrap();
    let (x, y) = data();
    m.fit(&x, &y, &opts(1, 0)).unwrap();
    m.save(&path).unwrap();
    assert_ne!(
        std::fs::read(&path).unwrap(),
        first,
        "the second save replaced the file"
    );
    let names = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(&dir.0), ["m.safetensors"]);

    // A save that cannot complete (the target is a folder) fails, cleans up its
    // temporary file and leaves what was there.
    let blocked = dir.path("blocked");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), b"x").unwrap();
    let e = m.save(&blocked).unwrap_err().to_string();
    assert!(e.contains("blocked"), "{e}");
    assert_eq!(std::fs::read(blocked.join("keep")).unwrap(), b"x");
    let mut left = names(&dir.0);
    left.sort();
    assert_eq!(left, ["blocked", "m.safetensors"]);
}

#[test]
fn bad_checkpoints_are_errors_naming_the_file() {
    let dir = TempDir::new("bad");
    let mut m = model(Device::Cpu, Optimizer::adam());
    let good = dir.path("good.safetensors");
    m.save(&good).unwrap();
    let bytes = std::fs::read(&good).unwrap();

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "not a safetensors file"),
        (
            "cut",
            bytes[..bytes.len() / 2].to_vec(),
            "not a safetensors file",
        ),
        (
            "text",
            b"hello, this is not a checkpoint".to_vec(),
            "not a safetensors file",
        ),
    ];
    for (name, data, want) in cases {
        let p = dir.path(name);
        std::fs::write(&p, data).unwrap();
        let e = Sequential::load(&p, Device::Cpu)
            .err()
            .expect(name)
            .to_string();
        assert!(e.contains(name) && e.contains(want), "{name}: {e}");
    }

    // Weights only (no wgtrain metadata), and a checkpoint missing a tensor.
    let w: Vec<(String, safetensors::tensor::TensorView)> = Vec::new();
    let p = dir.path("plain");
    std::fs::write(&p, safetensors::serialize(w, None).unwrap()).unwrap();
    let e = Sequential::load(&p, Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("plain") && e.contains("format"), "{e}");

    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let kept: Vec<_> = st
        .tensors()
        .into_iter()
        .filter(|(n, _)| n != "layers.2.bias")
        .collect();
    let p = dir.path("missing");
    std::fs::write(
        &p,
        safetensors::serialize(kept, header.metadata().clone()).unwrap(),
    )
    .unwrap();
    let e = Sequential::load(&p, Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("missing") && e.contains("layers.2.bias"), "{e}");

    let e = Sequential::load(dir.path("nope"), Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("nope"), "{e}");

    // Saving needs a compiled model.
    let mut raw = Sequential::new(Device::Cpu, &[3]);
    raw.add(Dense::new(2, Activation::Softmax)).unwrap();
    let e = raw.save(dir.path("raw")).unwrap_err().to_string();
    assert!(e.contains("compile"), "{e}");
    let _ = &mut m;
}

#[test]
fn model_descriptions_round_trip_and_build_keras_models() {
    let cnn = mnist_cnn(Device::Cpu, 1).unwrap();
    let json = cnn.spec().to_json();
    let spec = ModelSpec::from_json(&json, "test").unwrap();
    assert_eq!(spec, cnn.spec());
    assert_eq!(
        Sequential::from_spec(&spec, Device::Cpu, 1)
            .unwrap()
            .count_params(),
        93_322
    );

    let text = r#"{"input_shape": [28, 28, 1], "layers": [
        {"Conv2D": {"filters": 8, "kernel_size": [3, 3], "strides": 2, "padding": "same",
                    "activation": "relu"}},
        {"MaxPooling2D": {"pool_size": 2}}, "Flatten", {"Dropout": {"rate": 0.5}},
        {"Dense": {"units": 10, "activation": "softmax"}}]}"#;
    let m = Sequential::from_spec(
        &ModelSpec::from_json(text, "inline").unwrap(),
        Device::Cpu,
        0,
    )
    .unwrap();
    // 14×14×8 after the strided same conv, 7×7×8 after pooling.
    assert_eq!(m.output_shape(), [10]);
    assert_eq!(m.count_params(), (9 * 8 + 8) + (7 * 7 * 8 * 10 + 10));
}

#[test]
fn the_model_files_in_models_build_the_keras_models() {
    let dev = || Device::Cpu;
    let load = |f: &str| {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(f);
        Sequential::from_spec(&ModelSpec::load(&p).unwrap(), dev(), 42).unwrap()
    };
    let cnn = load("mnist_cnn.json");
    assert_eq!(cnn.count_params(), 93_322);
    assert_eq!(cnn.spec(), mnist_cnn(dev(), 42).unwrap().spec());
    let mlp = load("mnist_mlp.json");
    assert_eq!(mlp.count_params(), 50_890);
    assert_eq!(
        mlp.spec(),
        wgtrain::nn::models::mnist_mlp(dev(), 42, false)
            .unwrap()
            .spec()
    );
    // Same padding keeps 28 → 14 → 7: 32·9+32 + 64·9·32+64 + 7·7·64·10+10.
    assert_eq!(
        load("mnist_cnn_dropout.json").count_params(),
        320 + 18_496 + 31_370
    );
}

#[test]
fn bad_model_descriptions_name_the_layer_and_the_field() {
    let err = |text: &str| -> String {
        match ModelSpec::from_json(text, "m.json")
            .and_then(|s| Sequential::from_spec(&s, Device::Cpu, 0))
        {
            Ok(_) => panic!("accepted {text}"),
            Err(e) => e.to_string(),
        }
    };
    let l = |layers: &str| format!(r#"{{"input_shape": [28, 28, 1], "layers": [{layers}]}}"#);
    let cases = [
        (
            l(r#"{"Conv2D": {"kernel_size": 3}}"#),
            vec!["m.json", "layer 0 (Conv2D)", "filters"],
        ),
        (
            l(r#""Flatten", {"Dense": {"units": 10, "activaton": "relu"}}"#),
            vec!["layer 1 (Dense)", "activaton"],
        ),
        (
            l(r#""Flatten", {"Dense": {"units": 10, "activation": "swish"}}"#),
            vec!["layer 1 (Dense)", "activation", "swish"],
        ),
        (
            l(r#"{"Dense2": {"units": 3}}"#),
            vec!["layer 0", "unknown layer `Dense2`"],
        ),
        (
            l(r#"{"Conv2D": {"filters": 4, "kernel_size": 3, "padding": "full"}}"#),
            vec!["layer 0 (Conv2D)", "padding", "full"],
        ),
        (
            l(r#"{"Dense": {"units": 0}}"#),
            vec!["layer 0 (Dense)", "units"],
        ),
        (
            l(r#""Flatten", "Flatten", {"Conv2D": {"filters": 2, "kernel_size": 3}}"#),
            vec!["layer 2 (Conv2D)", "784"],
        ),
        (
            l(r#"{"Reshape": {"target_shape": [-1, -1]}}"#),
            vec!["layer 0 (Reshape)", "at most one −1"],
        ),
        (
            l(r#"{"Reshape": {"target_shape": [5, -1]}}"#),
            vec!["layer 0 (Reshape)", "expected a multiple of 5, got 784"],
        ),
        (
            l(r#"{"Reshape": {"target_shape": [9223372036854775807, 2]}}"#),
            vec!["layer 0 (Reshape)"],
        ),
        (
            l(r#""Flatten", "GlobalAveragePooling2D""#),
            vec![
                "layer 1 (GlobalAveragePooling2D)",
                "(height, width, channels)",
            ],
        ),
        (
            l(r#"{"AveragePooling2D": {"pool_size": 29}}"#),
            vec!["layer 0 (AveragePooling2D)", "cannot apply"],
        ),
        (
            l(r#"{"Activation": {"activation": "swish"}}"#),
            vec!["layer 0 (Activation)", "activation", "swish"],
        ),
        (r#"{"layers": []}"#.to_string(), vec!["input_shape"]),
        (
            r#"{"input_shape": [4], "layers": [], "optimizer": "adam"}"#.to_string(),
            vec!["optimizer"],
        ),
        ("[1, 2".to_string(), vec!["m.json", "JSON"]),
    ];
    for (text, wants) in cases {
        let e = err(&text);
        for w in wants {
            assert!(e.contains(w), "error for {text} lacks {w:?}: {e}");
        }
    }
}

/// Keras's sparse_categorical_crossentropy: class indices as labels train exactly like the
/// same labels one-hot (same seed → the same weights bit for bit, on both devices), and a
/// checkpoint keeps the loss, so a resumed sparse run stays identical too.
#[test]
fn sparse_labels_train_like_one_hot_and_resume() {
    let (x, y_hot) = data();
    let y_idx: Vec<f32> = y_hot.argmax_rows().iter().map(|&c| c as f32).collect();
    let y_idx = Array::new(&[x.rows()], y_idx).unwrap();
    let dir = TempDir::new("sparse");
    let mut devices = vec![Device::Cpu];
    devices.extend(gpu_device());
    for dev in devices {
        let build = |loss| {
            let mut m = Sequential::new(dev.clone(), &[12]).with_seed(3);
            m.add(Dense::new(16, Activation::Relu)).unwrap();
            m.add(Dense::new(4, Activation::Softmax)).unwrap();
            m.compile(Optimizer::adam(), loss, &[Metric::Accuracy])
                .unwrap();
            m
        };
        let mut hot = build(Loss::CategoricalCrossentropy);
        let mut sparse = build(Loss::SparseCategoricalCrossentropy);
        let h1 = hot.fit(&x, &y_hot, &opts(2, 0)).unwrap();
        let h2 = sparse.fit(&x, &y_idx, &opts(2, 0)).unwrap();
        assert_eq!(h1.loss(), h2.loss(), "{}", dev.name());
        assert_eq!(h1.val_accuracy(), h2.val_accuracy(), "{}", dev.name());
        assert_eq!(first_difference(&weights(&hot), &weights(&sparse)), None);
        let e = sparse.evaluate(&x, &y_idx).unwrap();
        assert_eq!(e, hot.evaluate(&x, &y_hot).unwrap());

        let path = dir.path("sparse.safetensors");
        sparse.save(&path).unwrap();
        let mut resumed = Sequential::load(&path, dev.clone()).unwrap();
        let loss = resumed.compiled_with().unwrap().1;
        assert_eq!(loss, Loss::SparseCategoricalCrossentropy);
        resumed.fit(&x, &y_idx, &opts(3, 2)).unwrap();
        hot.fit(&x, &y_hot, &opts(3, 2)).unwrap();
        assert_eq!(first_difference(&weights(&hot), &weights(&resumed)), None);
    }
}

/// Sparse labels must be class indices: the first bad one is named, one-hot rows are sent
/// to categorical_crossentropy.
#[test]
fn bad_sparse_labels_are_named() {
    let (x, y_hot) = data();
    let mut m = Sequential::new(Device::Cpu, &[12]).with_seed(3);
    m.add(Dense::new(4, Activation::Softmax)).unwrap();
    m.compile(
        Optimizer::adam(),
        Loss::SparseCategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    let mut err = |y: &Array| m.fit(&x, y, &opts(1, 0)).unwrap_err().to_string();
    let msg = err(&y_hot);
    assert!(msg.contains("one class index per sample"), "{msg}");
    assert!(msg.contains("categorical_crossentropy"), "{msg}");
    for (bad, what) in [(4.0, "label 4 of sample 5"), (1.5, "label 1.5 of sample 5")] {
        let mut v = vec![0.0; x.rows()];
        v[5] = bad;
        let msg = err(&Array::new(&[x.rows()], v).unwrap());
        assert!(msg.contains(what) && msg.contains("0..4"), "{msg}");
    }
    let mut v = vec![1.0; x.rows()];
    v[7] = f32::NAN;
    let msg = err(&Array::new(&[x.rows(), 1], v).unwrap());
    assert!(msg.contains("sample 7"), "{msg}");
}

/// A model compiled from_logits keeps that in its checkpoint (and a plain one writes no
/// such field, so its files stay as before).
#[test]
fn from_logits_survives_a_checkpoint() {
    let (x, y) = data();
    let dir = TempDir::new("logits");
    let mut m = Sequential::new(Device::Cpu, &[12]).with_seed(3);
    m.add(Dense::new(16, Activation::Relu)).unwrap();
    m.add(Dense::new(4, Activation::Linear)).unwrap();
    let loss = Loss::CategoricalCrossentropy.from_logits();
    m.compile(Optimizer::adam(), loss, &[Metric::Accuracy])
        .unwrap();
    m.fit(&x, &y, &opts(1, 0)).unwrap();
    let p = dir.path("logits.safetensors");
    m.save(&p).unwrap();
    let back = Sequential::load(&p, Device::Cpu).unwrap();
    assert_eq!(back.loss_config(), Some(loss));
    assert_eq!(back.predict(&x).unwrap(), m.predict(&x).unwrap());
    let plain = dir.path("plain.safetensors");
    model(Device::Cpu, Optimizer::adam()).save(&plain).unwrap();
    let bytes = std::fs::read(&plain).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("from_logits"));
    assert!(String::from_utf8_lossy(&std::fs::read(&p).unwrap()).contains("from_logits"));
}

/// Fine-tuning: a resumed model trains on at a new learning rate (optimizer state kept),
/// and the checkpoint it saves records that rate.
#[test]
fn resume_at_a_new_learning_rate_is_recorded() {
    let (x, y) = data();
    let dir = TempDir::new("lr");
    let p = dir.path("m.safetensors");
    let mut m = model(Device::Cpu, Optimizer::adam());
    m.fit(&x, &y, &opts(1, 0)).unwrap();
    m.save(&p).unwrap();
    let mut tuned = Sequential::load(&p, Device::Cpu).unwrap();
    assert!(tuned.set_learning_rate(-1.0).is_err());
    tuned.set_learning_rate(1e-4).unwrap();
    tuned.fit(&x, &y, &opts(2, 1)).unwrap();
    tuned.save(&p).unwrap();
    let back = Sequential::load(&p, Device::Cpu).unwrap();
    assert_eq!(back.compiled_with().unwrap().0.learning_rate(), 1e-4);
    // The same as setting the rate on the uninterrupted model after epoch 1.
    m.set_learning_rate(1e-4).unwrap();
    m.fit(&x, &y, &opts(2, 1)).unwrap();
    assert_eq!(first_difference(&weights(&m), &weights(&back)), None);
}

/// Keras's clipnorm / clipvalue and learning-rate schedules: kept in the checkpoint, and a
/// resumed run equals the uninterrupted one bit for bit (CPU); a bad threshold is refused
/// at compile.
#[test]
fn gradient_clipping_survives_a_checkpoint() {
    let (x, y) = data();
    let dir = TempDir::new("clip");
    for opt in [
        Optimizer::adam().clipnorm(0.05),
        Optimizer::sgd(0.05, 0.9).clipvalue(0.01),
        // Schedules: the resumed run picks up each at the saved step.
        Optimizer::adam()
            .learning_rate_schedule(LearningRateSchedule::exponential_decay(0.01, 7, 0.5)),
        Optimizer::sgd(0.05, 0.0)
            .clipnorm(0.5)
            .learning_rate_schedule(LearningRateSchedule::piecewise_constant_decay(
                &[10, 20],
                &[0.1, 0.02, 0.005],
            )),
        Optimizer::rmsprop()
            .learning_rate_schedule(LearningRateSchedule::cosine_decay(0.01, 25, 0.1)),
    ] {
        let build = || {
            let mut m = Sequential::new(Device::Cpu, &[12]).with_seed(3);
            m.add(Dense::new(16, Activation::Relu)).unwrap();
            m.add(Dense::new(4, Activation::Softmax)).unwrap();
            m.compile(
                opt.clone(),
                Loss::CategoricalCrossentropy,
                &[Metric::Accuracy],
            )
            .unwrap();
            m
        };
        let mut whole = build();
        whole.fit(&x, &y, &opts(3, 0)).unwrap();
        let mut first = build();
        first.fit(&x, &y, &opts(2, 0)).unwrap();
        let p = dir.path("c.safetensors");
        first.save(&p).unwrap();
        let mut resumed = Sequential::load(&p, Device::Cpu).unwrap();
        assert_eq!(resumed.gradient_clip(), opt.clip);
        assert_eq!(resumed.learning_rate_schedule(), opt.schedule.as_ref());
        assert_eq!(
            resumed.current_learning_rate(),
            first.current_learning_rate()
        );
        resumed.fit(&x, &y, &opts(3, 2)).unwrap();
        assert_eq!(first_difference(&weights(&whole), &weights(&resumed)), None);
        let mut unclipped = Sequential::new(Device::Cpu, &[12]).with_seed(3);
        unclipped.add(Dense::new(16, Activation::Relu)).unwrap();
        unclipped.add(Dense::new(4, Activation::Softmax)).unwrap();
        unclipped
            .compile(opt.optimizer, Loss::CategoricalCrossentropy, &[])
            .unwrap();
        unclipped.fit(&x, &y, &opts(3, 0)).unwrap();
        assert!(first_difference(&weights(&whole), &weights(&unclipped)).is_some());
    }
    let mut m = Sequential::new(Device::Cpu, &[12]);
    m.add(Dense::new(4, Activation::Softmax)).unwrap();
    let e = m
        .compile(
            Optimizer::adam().clipnorm(-1.0),
            Loss::CategoricalCrossentropy,
            &[],
        )
        .unwrap_err();
    assert!(e.to_string().contains("clipnorm"), "{e}");
}
