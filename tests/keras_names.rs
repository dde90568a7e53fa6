//! Keras names end to end: a model read from Keras JSON keeps each layer's name
//! (`summary`, the Keras JSON export, weights files, checkpoints and model.json keep it),
//! a model built in Rust gets Keras's generated names (or its own, `add_named`), names are
//! unique; errors about a Keras model name the file, the Keras layer and the argument;
//! `predict --raw` feeds an image as it is; a Keras model with initializers and
//! regularizers is read to run its weights (eval, predict) whatever they are.

mod common;

use common::{stderr, stdout, wgtrain, TempDir};
use serde_json::{json, Value};
use wgtrain::nn::layers::{Dense, Flatten};
use wgtrain::nn::{Activation, Array, Device, Loss, Metric, ModelSpec, Optimizer, Sequential};

/// A Keras 3 `model.to_json()` of a Sequential model: the InputLayer for `input`, then
/// each (class, name, arguments) as Keras writes them.
fn keras_json(input: &[usize], layers: &[(&str, &str, Value)]) -> Value {
    let mut all = vec![json!({
        "module": "keras.layers", "class_name": "InputLayer", "registered_name": null,
        "config": {"batch_shape": std::iter::once(Value::Null)
            .chain(input.iter().map(|&d| json!(d))).collect::<Vec<_>>(),
            "dtype": "float32", "sparse": false, "name": "input_layer"},
    })];
    for (class, name, args) in layers {
        let mut cfg = json!({"name": name, "trainable": true, "dtype": "float32"});
        for (k, v) in args.as_object().unwrap() {
            cfg[k] = v.clone();
        }
        all.push(json!({"module": "keras.layers", "class_name": class,
                        "config": cfg, "registered_name": null}));
    }
    json!({"module": "keras", "class_name": "Sequential", "registered_name": null,
           "config": {"name": "sequential", "trainable": true, "dtype": "float32", "layers": all}})
}

/// A small image model as a Keras session that made layers before would write it: the
/// names are not the ones wgtrain would generate ("dense" twice numbered on), and one is
/// the user's own.
fn named_model() -> Value {
    keras_json(
        &[4, 5, 1],
        &[
            (
                "Flatten",
                "flatten_2",
                json!({"data_format": "channels_last"}),
            ),
            ("Dense", "hidden", json!({"units": 6, "activation": "relu"})),
            (
                "Dense",
                "dense_3",
                json!({"units": 3, "activation": "softmax"}),
            ),
        ],
    )
}

fn write(dir: &TempDir, name: &str, v: &Value) -> String {
    std::fs::write(dir.path(name), v.to_string()).unwrap();
    dir.s(name)
}

fn compiled(mut m: Sequential) -> Sequential {
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    m
}

#[test]
fn keras_names_are_kept_in_summary_export_and_files() {
    let dir = TempDir::new("keras-names-kept");
    let path = write(&dir, "model.json", &named_model());
    let spec = ModelSpec::load(&path).unwrap();
    let want = ["flatten_2", "hidden", "dense_3"];
    assert_eq!(spec.layer_names(), want);
    let m = compiled(Sequential::from_spec(&spec, Device::Cpu, 3).unwrap());
    assert_eq!(m.layer_names(), want);

    // summary shows the names, as Keras's does.
    let summary = m.summary();
    for (name, class) in want.iter().zip(["Flatten", "Dense", "Dense"]) {
        assert!(summary.contains(&format!(" {name} ({class})")), "{summary}");
    }

    // The Keras JSON export writes them back, and reads back the same.
    let exported: Value = serde_json::from_str(&m.spec().to_keras_json()).unwrap();
    let names: Vec<&str> = exported["config"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|l| l["config"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, want);
    assert_eq!(
        ModelSpec::from_json(&exported.to_string(), "exported").unwrap(),
        spec
    );

    // model.json (wgtrain's description) keeps them, as each layer's `name`.
    let native = m.spec().to_json();
    assert!(native.contains(r#""name":"hidden""#), "{native}");
    assert_eq!(ModelSpec::from_json(&native, "model.json").unwrap(), spec);

    // Weights files and checkpoints keep them; the tensors keep their names.
    m.save_weights(dir.path("w.safetensors")).unwrap();
    let kept = ModelSpec::from_weights_file(dir.path("w.safetensors"))
        .unwrap()
        .unwrap();
    assert_eq!(kept.layer_names(), want);
    let tensors: Vec<String> = m
        .get_weights()
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(
        tensors,
        [
            "layers.1.kernel",
            "layers.1.bias",
            "layers.2.kernel",
            "layers.2.bias"
        ]
    );
    m.save(dir.path("c.safetensors")).unwrap();
    let back = Sequential::load(dir.path("c.safetensors"), Device::Cpu).unwrap();
    assert_eq!(back.layer_names(), want);
    assert_eq!(back.summary(), summary);
}

#[test]
fn rust_models_get_keras_names_or_their_own() {
    let mut m = Sequential::new(Device::Cpu, &[4, 5, 1]);
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(6, Activation::Relu)).unwrap();
    m.add_named("hidden", Dense::new(6, Activation::Relu))
        .unwrap();
    m.add(Dense::new(3, Activation::Softmax)).unwrap();
    assert_eq!(m.layer_names(), ["flatten", "dense", "hidden", "dense_1"]);
    // Only the name that is not generated is stored.
    let spec = m.spec();
    assert_eq!(spec.names, [None, None, Some("hidden".to_string())]);
    assert_eq!(spec.layer_names(), m.layer_names());
    assert!(m.summary().contains(" hidden (Dense)"));

    // Names are unique: one taken is refused, naming it and the layer that has it.
    let e = m
        .add_named("dense", Dense::new(2, Activation::Linear))
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"dense\"") && e.contains("layer 1"), "{e}");
    assert!(m.add_named("a/b", Flatten::new()).is_err());
    assert_eq!(m.layer_names().len(), 4, "a refused layer is not added");

    // A generated name steps over a name given before it.
    let mut m = Sequential::new(Device::Cpu, &[3]);
    m.add_named("dense_1", Dense::new(2, Activation::Relu))
        .unwrap();
    m.add(Dense::new(2, Activation::Relu)).unwrap();
    m.add(Dense::new(2, Activation::Relu)).unwrap();
    assert_eq!(m.layer_names(), ["dense_1", "dense", "dense_2"]);
    let again = Sequential::from_spec(&m.spec(), Device::Cpu, 0).unwrap();
    assert_eq!(again.layer_names(), m.layer_names());
}

#[test]
fn descriptions_without_names_read_as_before_and_names_must_be_unique() {
    // A description written before names were kept: Keras's generated names.
    let old = r#"{"input_shape": [4, 5, 1], "layers": ["Flatten",
        {"Dense": {"units": 4, "activation": "relu"}}, {"Dense": {"units": 3}}]}"#;
    let spec = ModelSpec::from_json(old, "old.json").unwrap();
    assert!(spec.names.is_empty());
    assert_eq!(spec.layer_names(), ["flatten", "dense", "dense_1"]);
    assert_eq!(
        spec.to_json(),
        ModelSpec::new(&[4, 5, 1], spec.layers.clone()).to_json()
    );

    // A name in wgtrain's description.
    let named = r#"{"input_shape": [4], "layers": [{"Dense": {"units": 3, "name": "out"}}]}"#;
    let spec = ModelSpec::from_json(named, "named.json").unwrap();
    assert_eq!(spec.layer_names(), ["out"]);
    let m = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    assert_eq!(m.layer_names(), ["out"]);

    // Two layers of one name: refused in either form, naming the name.
    let twice = r#"{"input_shape": [4], "layers": [{"Dense": {"units": 3, "name": "d"}},
        {"Dense": {"units": 3, "name": "d"}}]}"#;
    let e = ModelSpec::from_json(twice, "twice.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("twice.json") && e.contains("\"d\"") && e.contains("layer 0"),
        "{e}"
    );
    let v = keras_json(
        &[4],
        &[
            ("Dense", "same", json!({"units": 3})),
            ("Dense", "same", json!({"units": 2})),
        ],
    );
    let e = ModelSpec::from_json(&v.to_string(), "k.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("k.json") && e.contains("\"same\"") && e.contains("own name"),
        "{e}"
    );
    let bad = r#"{"input_shape": [4], "layers": [{"Dense": {"units": 3, "name": 7}}]}"#;
    let e = ModelSpec::from_json(bad, "b.json").unwrap_err().to_string();
    assert!(e.contains("b.json") && e.contains("`name`"), "{e}");
}

/// `named_model()` with one argument of the layer named `layer` set.
fn with_arg(layer: &str, key: &str, value: Value) -> Value {
    let mut v = named_model();
    for l in v["config"]["layers"].as_array_mut().unwrap() {
        if l["config"]["name"] == layer {
            l["config"][key] = value.clone();
        }
    }
    v
}

#[test]
fn errors_about_a_keras_model_name_the_file_the_layer_and_the_argument() {
    let dir = TempDir::new("keras-names-errors");
    let load_err = |v: &Value| {
        let path = write(&dir, "model.json", v);
        match ModelSpec::load(&path).and_then(|s| Sequential::from_spec(&s, Device::Cpu, 0)) {
            Ok(_) => panic!("accepted {v}"),
            Err(e) => e.to_string(),
        }
    };
    let cases = [
        // An activation wgtrain does not have (once lost the file).
        (
            with_arg("dense_3", "activation", json!("swish")),
            "activation",
            "swish",
        ),
        (with_arg("hidden", "units", json!(0)), "units", "at least 1"),
        (
            with_arg("hidden", "units", json!("six")),
            "units",
            "whole number",
        ),
        (
            with_arg(
                "hidden",
                "kernel_constraint",
                json!({"class_name": "MaxNorm", "config": {"max_value": 2}}),
            ),
            "kernel_constraint",
            "does not have it",
        ),
        (
            with_arg("dense_3", "noise", json!(0.5)),
            "noise",
            "does not have it",
        ),
    ];
    for (v, field, what) in cases {
        let e = load_err(&v);
        let layer = match field {
            "activation" | "noise" => "\"dense_3\" (Dense)",
            _ => "\"hidden\" (Dense)",
        };
        for part in ["model.json", layer, field, what] {
            assert!(e.contains(part), "{part:?} not in: {e}");
        }
    }
    // A rate out of range, checked after reading: still the Keras layer's name.
    let v = keras_json(
        &[4],
        &[
            ("Dropout", "drop_7", json!({"rate": 1.5})),
            ("Dense", "dense_3", json!({"units": 2})),
        ],
    );
    let e = load_err(&v);
    for part in ["model.json", "\"drop_7\" (Dropout)", "rate"] {
        assert!(e.contains(part), "{part:?} not in: {e}");
    }

    // Shapes that do not fit, found when the model is built: the Keras layer's name.
    let v = keras_json(
        &[784],
        &[(
            "Conv2D",
            "conv2d_5",
            json!({"filters": 2, "kernel_size": [3, 3]}),
        )],
    );
    let e = load_err(&v);
    assert!(
        e.contains("\"conv2d_5\" (Conv2D)") && e.contains("784"),
        "{e}"
    );

    // The command names the file as well.
    let path = write(&dir, "bad.json", &v);
    let o = wgtrain(&[
        "train", "--model", &path, "--device", "cpu", "--epochs", "1",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("bad.json") && e.contains("\"conv2d_5\" (Conv2D)"),
        "{e}"
    );

    // wgtrain's own description: a named layer is called by its name, with the file.
    std::fs::write(
        dir.path("own.json"),
        r#"{"input_shape": [4], "layers": [{"Dense": {"units": 3, "name": "hidden",
            "activation": "swish"}}]}"#,
    )
    .unwrap();
    let e = ModelSpec::load(dir.path("own.json"))
        .unwrap_err()
        .to_string();
    for part in ["own.json", "\"hidden\" (Dense)", "activation", "swish"] {
        assert!(e.contains(part), "{part:?} not in: {e}");
    }
}

/// A grayscale PNG of `w`×`h` whose pixel (x, y) is `f(x, y)`.
fn png(path: &std::path::Path, w: u32, h: u32, f: impl Fn(u32, u32) -> u8) {
    image::GrayImage::from_fn(w, h, |x, y| image::Luma([f(x, y)]))
        .save(path)
        .unwrap();
}

/// The probabilities `predict --json` printed for the one image, by class.
fn printed(out: &str, classes: usize) -> Vec<f32> {
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let mut p = vec![f32::NAN; classes];
    for t in v["top"].as_array().unwrap() {
        p[t["class"].as_u64().unwrap() as usize] = t["probability"].as_f64().unwrap() as f32;
    }
    p
}

#[test]
fn predict_raw_feeds_the_image_as_it_is() {
    let dir = TempDir::new("keras-names-raw");
    // A model of 4×5 grayscale inputs (not MNIST's), its weights in a file.
    let mut m = Sequential::new(Device::Cpu, &[4, 5, 1]).with_seed(11);
    m.add(Flatten::new()).unwrap();
    m.add_named("scores", Dense::new(3, Activation::Softmax))
        .unwrap();
    m.save_weights(dir.path("w.safetensors")).unwrap();
    let pixel = |x: u32, y: u32| (x * 50 + y * 20) as u8;
    png(&dir.path("img.png"), 5, 4, pixel);

    let o = wgtrain(&[
        "predict",
        "--weights",
        &dir.s("w.safetensors"),
        "--raw",
        "--json",
        "--device",
        "cpu",
        &dir.s("img.png"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // What the model gives for the pixels as they are, scaled to [0, 1].
    let x: Vec<f32> = (0..4)
        .flat_map(|y| (0..5).map(move |x| pixel(x, y) as f32 / 255.0))
        .collect();
    let want = m.predict(&Array::new(&[1, 4, 5, 1], x).unwrap()).unwrap();
    let got = printed(&stdout(&o), 3);
    for (g, w) in got.iter().zip(&want.data) {
        assert!(
            (g - w).abs() <= 1e-5,
            "printed {got:?}, the model gives {:?}",
            want.data
        );
    }

    // Another size is not resized: an error naming both shapes.
    png(&dir.path("wide.png"), 6, 4, pixel);
    let o = wgtrain(&[
        "predict",
        "--weights",
        &dir.s("w.safetensors"),
        "--raw",
        "--device",
        "cpu",
        &dir.s("wide.png"),
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("wide.png") && e.contains("4×6") && e.contains("[4, 5, 1]"),
        "{e}"
    );
    // Without --raw such a model is refused, saying --raw would feed it.
    let o = wgtrain(&[
        "predict",
        "--weights",
        &dir.s("w.safetensors"),
        "--device",
        "cpu",
        &dir.s("img.png"),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("--raw"),
        "{}",
        stderr(&o)
    );

    // RGB: a model of 2×3×3 inputs takes the colour image's channels as they are.
    let rgb = |x: u32, y: u32| image::Rgb([(x * 80) as u8, (y * 120) as u8, 200]);
    image::RgbImage::from_fn(3, 2, rgb)
        .save(dir.path("rgb.png"))
        .unwrap();
    let got = wgtrain::data::load_image_raw(dir.path("rgb.png"), &[2, 3, 3]).unwrap();
    let want: Vec<f32> = (0..2)
        .flat_map(|y| (0..3).flat_map(move |x| rgb(x, y).0))
        .map(|v| v as f32 / 255.0)
        .collect();
    assert_eq!(got, want);
    let flat = wgtrain::data::load_image_raw(dir.path("img.png"), &[20]).unwrap();
    assert_eq!(flat.len(), 20);
    assert_eq!(flat[7], pixel(2, 1) as f32 / 255.0);
}

/// `named_model()` with He-normal initialised layers under a regularizer wgtrain does not
/// compute (an orthogonal one: L1/L2 are read and computed).
fn he_orthogonal_model() -> Value {
    let mut v = named_model();
    for l in v["config"]["layers"].as_array_mut().unwrap() {
        if l["class_name"] == "Dense" {
            l["config"]["kernel_initializer"] = json!({"module": "keras.initializers",
                "class_name": "HeNormal", "config": {"seed": null}, "registered_name": null});
            l["config"]["kernel_regularizer"] = json!({"module": "keras.regularizers",
                "class_name": "OrthogonalRegularizer", "config": {"factor": 0.01, "mode": "rows"},
                "registered_name": null});
        }
    }
    v
}

#[test]
fn initializers_and_regularizers_do_not_stop_running_trained_weights() {
    let dir = TempDir::new("keras-names-inference");
    let path = write(&dir, "he.json", &he_orthogonal_model());
    // Read to run weights: accepted, with a note per layer naming what was let through.
    let (spec, notes) = ModelSpec::load_for_inference(&path).unwrap();
    let plain = ModelSpec::from_json(&named_model().to_string(), "plain").unwrap();
    // The initializers are read (wgtrain draws them); only the regularizers are let through.
    let mut he = named_model();
    for l in he["config"]["layers"].as_array_mut().unwrap() {
        if l["class_name"] == "Dense" {
            l["config"]["kernel_initializer"] = json!("he_normal");
        }
    }
    assert_eq!(spec, ModelSpec::from_json(&he.to_string(), "he").unwrap());
    assert_eq!(notes.len(), 2, "{notes:?}");
    for (n, layer) in notes.iter().zip(["\"hidden\"", "\"dense_3\""]) {
        for part in ["he.json", layer, "kernel_regularizer"] {
            assert!(n.contains(part), "{part:?} not in: {n}");
        }
    }
    // Read to train: refused, naming the file, layer and argument (unless wgtrain has
    // learnt them; then it reads).
    if let Err(e) = ModelSpec::load(&path) {
        let e = e.to_string();
        assert!(e.contains("he.json") && e.contains("\"hidden\""), "{e}");
        assert!(
            e.contains("kernel_initializer") || e.contains("kernel_regularizer"),
            "{e}"
        );
    }

    // Weights trained elsewhere for it (here: the plain model's).
    let m = compiled(Sequential::from_spec(&plain, Device::Cpu, 5).unwrap());
    m.save_weights(dir.path("w.safetensors")).unwrap();
    // A folder of 4×5 images in 3 classes, and one image.
    for (c, class) in ["a", "b", "c"].iter().enumerate() {
        std::fs::create_dir_all(dir.path(&format!("data/{class}"))).unwrap();
        for i in 0..2u32 {
            png(&dir.path(&format!("data/{class}/{i}.png")), 5, 4, |x, y| {
                ((x + y + i) * 30 + c as u32 * 40) as u8
            });
        }
    }
    png(&dir.path("img.png"), 5, 4, |x, y| (x * 40 + y) as u8);

    let weights = dir.s("w.safetensors");
    let o = wgtrain(&[
        "eval",
        "--weights",
        &weights,
        "--model",
        &path,
        "--data-dir",
        &dir.s("data"),
        "--device",
        "cpu",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("note:") && e.contains("kernel_regularizer"),
        "{e}"
    );
    let report: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let folder = wgtrain::data::load_image_folder(dir.path("data"), (4, 5, 1), true, None).unwrap();
    let y = wgtrain::nn::to_categorical(&folder.labels, 3).unwrap();
    let want = m.evaluate(&folder.images, &y).unwrap();
    let loss = report["loss"].as_f64().unwrap() as f32;
    assert!((loss - want.loss).abs() <= 1e-5, "{report} vs {want:?}");

    let o = wgtrain(&[
        "predict",
        "--weights",
        &weights,
        "--model",
        &path,
        "--raw",
        "--device",
        "cpu",
        &dir.s("img.png"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("kernel_regularizer"));

    // Training it: a clear error naming what is not implemented (or it trains).
    let o = wgtrain(&[
        "train",
        "--model",
        &path,
        "--data-dir",
        &dir.s("data"),
        "--device",
        "cpu",
        "--epochs",
        "1",
        "--quiet",
        "--out",
        &dir.s("run"),
    ]);
    if !o.status.success() {
        let e = stderr(&o);
        assert!(e.contains("he.json") && e.contains("kernel_"), "{e}");
    }
}
