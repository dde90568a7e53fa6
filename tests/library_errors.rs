//! The library's errors as a Rust user meets them: typed variants to match on, `?` on
//! io results, paths given as `&str` / `String` / `&Path`, and messages that name library
//! calls and settings (the CLI adds its flag names on top).

mod common;

use wgtrain::Error;

/// A user's function returning `wgtrain::Result` can use `?` on a `std::io::Result`.
fn read_missing() -> wgtrain::Result<()> {
    std::fs::read("/nonexistent/wgtrain-library-errors")?;
    Ok(())
}

#[test]
fn question_mark_on_an_io_result_gives_an_io_error_without_a_path() {
    match read_missing() {
        Err(Error::Io { path: None, source }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound)
        }
        other => panic!("expected Error::Io without a path, got {other:?}"),
    }
    let text = read_missing().unwrap_err().to_string();
    assert!(!text.starts_with(':') && !text.is_empty(), "{text}");
}

use common::{stderr, wgtrain, TempDir};
use std::path::{Path, PathBuf};
use wgtrain::data::{load_csv, load_mnist, read_idx, Dataset};
use wgtrain::nn::{
    layers::{Conv2D, Dense, Flatten},
    Activation, Array, Device, FitOptions, Loss, ModelSpec, NamedArray, Optimizer, Sequential,
    Verbose,
};

/// A small CPU classifier of 4 inputs and 3 classes, compiled.
fn mlp() -> Sequential {
    let mut m = Sequential::new(Device::Cpu, &[4]).with_seed(1);
    m.add(Dense::new(3, Activation::Softmax)).unwrap();
    m.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    m
}

fn quiet() -> FitOptions {
    FitOptions {
        verbose: Verbose::Silent,
        ..FitOptions::default()
    }
}

#[test]
fn fit_with_x_and_y_of_different_rows_is_a_shape_mismatch() {
    let mut m = mlp();
    let x = Array::new(&[5, 4], vec![0.5; 20]).unwrap();
    let y = Array::new(&[6, 3], vec![0.0; 18]).unwrap();
    match m.fit(&x, &y, &quiet()) {
        Err(Error::ShapeMismatch {
            what,
            expected,
            got,
        }) => {
            assert!(what.starts_with("fit"), "{what}");
            assert!(expected.starts_with('5'), "{expected}");
            assert_eq!(got, "6");
        }
        other => panic!("expected ShapeMismatch, got {:?}", other.err()),
    }
    // x of the wrong width: the message names the model's input and what was given.
    let x = Array::new(&[6, 2], vec![0.5; 12]).unwrap();
    let e = m.fit(&x, &y, &quiet()).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("fit: x") && text.contains("(None, 4)") && text.contains("[6, 2]"),
        "{text}"
    );
}

#[test]
fn a_layer_given_the_wrong_input_rank_is_a_shape_mismatch_naming_the_layer() {
    let mut m = Sequential::new(Device::Cpu, &[784]);
    let e = m.add(Conv2D::new(4, (3, 3), Activation::Relu)).unwrap_err();
    match &e {
        Error::ShapeMismatch {
            what,
            expected,
            got,
        } => {
            assert!(what.contains("layer 0 (Conv2D)"), "{what}");
            assert!(expected.contains("(height, width, channels)"), "{expected}");
            assert_eq!(got, "[784]");
        }
        other => panic!("expected ShapeMismatch, got {other}"),
    }
}

#[test]
fn set_weights_of_the_wrong_shape_is_a_shape_mismatch() {
    let mut m = mlp();
    let mut w = m.get_weights().unwrap();
    w[0] = NamedArray {
        name: w[0].name.clone(),
        array: Array::new(&[3, 4], vec![0.0; 12]).unwrap(),
    };
    match m.set_weights(&w) {
        Err(Error::ShapeMismatch {
            what,
            expected,
            got,
        }) => {
            assert!(what.contains("set_weights") && what.contains("layers.0.kernel"));
            assert!(expected.contains("[4, 3]"), "{expected}");
            assert_eq!(got, "[3, 4]");
        }
        other => panic!("expected ShapeMismatch, got {:?}", other.err()),
    }
}

#[test]
fn an_unknown_keras_layer_is_unsupported_naming_the_class() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras/mnist_mlp.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["config"]["layers"][1]["class_name"] = serde_json::json!("LSTM");
    match ModelSpec::from_json(&v.to_string(), "model.json") {
        Err(Error::Unsupported {
            context,
            feature,
            reason,
        }) => {
            assert!(context.contains("model.json"), "{context}");
            assert_eq!(feature, "layer LSTM");
            assert!(reason.contains("Dense"), "{reason}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn damaged_files_are_file_format_errors_naming_the_file() {
    let dir = TempDir::new("library-errors-files");
    let junk = dir.path("model.json");
    std::fs::write(&junk, "{ not json").unwrap();
    match ModelSpec::load(&junk) {
        Err(Error::FileFormat { path, detail }) => {
            assert!(path.contains("model.json"), "{path}");
            assert!(detail.contains("not valid JSON"), "{detail}");
        }
        other => panic!("expected FileFormat, got {other:?}"),
    }
    let idx = dir.path("images-idx3-ubyte");
    std::fs::write(&idx, b"\x00\x00\x08\x03\x00\x00").unwrap();
    let e = read_idx(&idx).unwrap_err();
    assert!(
        matches!(&e, Error::FileFormat { path, .. } if path.contains("images-idx3")),
        "{e}"
    );
    let ckpt = dir.path("checkpoint.safetensors");
    std::fs::write(&ckpt, b"not a checkpoint at all").unwrap();
    let e = Sequential::load(&ckpt, Device::Cpu).err().unwrap();
    assert!(
        matches!(&e, Error::FileFormat { path, .. } if path.contains("checkpoint")),
        "{e}"
    );
    // A missing file is an io error that names it.
    let e = ModelSpec::load(dir.path("missing.json")).unwrap_err();
    assert!(
        matches!(&e, Error::Io { path: Some(p), .. } if p.ends_with("missing.json")),
        "{e}"
    );
}

#[test]
fn calls_before_build_or_compile_say_what_to_call_first() {
    let mut m = Sequential::new(Device::Cpu, &[4]);
    m.add(Dense::new(3, Activation::Softmax)).unwrap();
    // Weights exist once the layers are added; a new seed drops them until the next build.
    let mut m = m.with_seed(3);
    match m.get_weights() {
        Err(Error::NotReady { call, first, .. }) => {
            assert_eq!(call, "get_weights");
            assert!(first.contains("build()"), "{first}");
        }
        other => panic!("expected NotReady, got {:?}", other.err()),
    }
    let dir = TempDir::new("library-errors-not-ready");
    let file = dir.path("w.safetensors");
    let e = m.save_weights(&file).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotReady {
                call: "save_weights",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("nothing was written"), "{e}");
    assert!(!file.exists());
    m.build().unwrap();
    let e = m.save(dir.path("c.safetensors")).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotReady {
                call: "save",
                first: "compile",
                ..
            }
        ),
        "{e}"
    );
    let e = m.set_learning_rate(0.1).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotReady {
                first: "compile",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn paths_may_be_given_as_str_string_path_or_pathbuf() {
    let dir = TempDir::new("library-errors-paths");
    let m = mlp();
    let as_string: String = dir.s("w.safetensors");
    m.save_weights(as_string.clone()).unwrap();
    m.save_weights(&as_string).unwrap();
    let as_str: &str = as_string.as_str();
    let mut other = mlp();
    other.load_weights(as_str).unwrap();
    let as_pathbuf: PathBuf = dir.path("w.safetensors");
    other.load_weights(&as_pathbuf).unwrap();
    other.load_weights(as_pathbuf.as_path()).unwrap();
    let a = m.get_weights().unwrap();
    let b = other.get_weights().unwrap();
    assert_eq!(a[0].array.data, b[0].array.data);

    let ckpt = dir.s("c.safetensors");
    m.save(ckpt.as_str()).unwrap();
    Sequential::load(ckpt.clone(), Device::Cpu).unwrap();
    Sequential::load_for_inference(&ckpt, Device::Cpu).unwrap();
    std::fs::write(dir.path("m.json"), m.spec().to_json()).unwrap();
    ModelSpec::load(dir.s("m.json")).unwrap();
    ModelSpec::load(dir.path("m.json")).unwrap();
}

/// No `--flag` in a library message: the CLI's flags are the CLI's business.
fn no_flag(text: &str) {
    assert!(
        !text
            .split_whitespace()
            .any(|w| w.trim_start_matches('(').starts_with("--")),
        "a library error names a CLI flag: {text}"
    );
}

#[test]
fn a_missing_data_set_names_the_library_call_and_the_cli_names_its_flag() {
    let dir = TempDir::new("library-errors-no-mnist");
    let e = load_mnist(dir.path("none")).err().unwrap().to_string();
    no_flag(&e);
    assert!(e.contains("data_dir(Some(folder)) or MNIST_DIR"), "{e}");
    let out = dir.s("run");
    let o = wgtrain(&[
        "train",
        "--data",
        &dir.s("none"),
        "--device",
        "cpu",
        "--quiet",
        "--epochs",
        "1",
        "--out",
        &out,
    ]);
    assert!(!o.status.success());
    let cli = stderr(&o);
    assert!(cli.contains("(--data or MNIST_DIR)"), "{cli}");
    assert!(!cli.contains("data_dir(Some"), "{cli}");
}

#[test]
fn too_many_classes_in_a_csv_names_load_csv_and_the_cli_names_loss_mse() {
    let dir = TempDir::new("library-errors-csv");
    let many: String = std::iter::once("a,b\n".to_string())
        .chain((0..300).map(|i| format!("{i},c{i}\n")))
        .collect();
    let csv = dir.path("many.csv");
    std::fs::write(&csv, many).unwrap();
    let e = load_csv(&csv, "b", true, |n| n).err().unwrap().to_string();
    no_flag(&e);
    assert!(e.contains("load_csv with classify: false"), "{e}");
    let o = common::train_table(&dir.s("many.csv"), "b", "mlp", &dir.s("run"), &[]);
    assert!(!o.status.success());
    let cli = stderr(&o);
    assert!(cli.contains("--loss mse"), "{cli}");
    assert!(!cli.contains("classify: false"), "{cli}");
}

#[test]
fn a_batch_over_the_host_memory_names_fit_options_batch_size() {
    let mut m = Sequential::new(Device::Cpu, &[28, 28, 1]);
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(10, Activation::Softmax)).unwrap();
    // 2^40 samples of 784 floats: more than any host has.
    let e = m.check_fits(1 << 40).unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e}");
    let text = e.to_string();
    no_flag(&text);
    assert!(text.contains("FitOptions::batch_size"), "{text}");
}

#[test]
fn an_unknown_data_set_name_names_the_image_folder_loader() {
    let e = "emnist".parse::<Dataset>().unwrap_err().to_string();
    no_flag(&e);
    assert!(e.contains("load_image_folder"), "{e}");
}

#[test]
fn the_validation_split_is_decided_once_for_fit_and_the_command() {
    let split = |v: f32| FitOptions {
        validation_split: v,
        ..FitOptions::default()
    };
    // Keras's rule: the first ⌈n·(1 − v)⌉ rows train, the last ones validate.
    assert_eq!(split(0.2).training_rows(10).unwrap(), 8);
    assert_eq!(split(0.25).training_rows(7).unwrap(), 6);
    assert_eq!(split(0.0).training_rows(7).unwrap(), 7);
    // A split that leaves no validation row, or no training row, is refused by name.
    for (v, n) in [(0.05, 10), (0.5, 1), (0.3, 0)] {
        let e = split(v).training_rows(n).unwrap_err().to_string();
        assert!(
            e.contains("FitOptions::validation_split") && e.contains("empty"),
            "{v} of {n}: {e}"
        );
        assert!(!e.contains("--"), "a library error names no flag: {e}");
    }
    let e = split(1.0).training_rows(10).unwrap_err().to_string();
    assert!(e.contains("[0, 1)"), "{e}");
}

#[test]
fn the_command_names_its_validation_split_flag() {
    let dir = TempDir::new("library-errors-split");
    std::fs::write(dir.path("two.csv"), "a,y\n1,0\n2,1\n").unwrap();
    std::fs::write(
        dir.path("m.json"),
        r#"{"input_shape": [1], "layers": [{"Dense": {"units": 2, "activation": "softmax"}}]}"#,
    )
    .unwrap();
    // 2 rows with 5 % held out: ⌈1.9⌉ = 2 rows train and none validate.
    let o = common::train_table(
        &dir.s("two.csv"),
        "y",
        &dir.s("m.json"),
        &dir.s("run"),
        &["--validation-split", "0.05"],
    );
    assert!(!o.status.success());
    let cli = stderr(&o);
    assert!(
        cli.contains("--validation-split 0.05 of 2 samples") && cli.contains("(--limit)"),
        "{cli}"
    );
    assert!(!cli.contains("FitOptions"), "{cli}");
}
