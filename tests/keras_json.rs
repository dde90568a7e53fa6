//! Keras's own model JSON in and out: real `model.to_json()` output of Keras 3.15.1
//! (tests/fixtures/keras/, written by `KERAS_JSON=… scripts/keras_reference.py 0 MODEL`)
//! reads as the same model wgtrain builds, tf.keras 2's older form reads too, wgtrain's
//! Keras JSON reads back as the same model, and every argument wgtrain does not implement
//! is an error naming the layer and the argument.

use std::path::Path;

use serde_json::{json, Value};
use wgtrain::nn::models::{mnist_cnn, mnist_mlp};
use wgtrain::nn::{Device, Initializer, LayerSpec, ModelSpec, Pair};

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn read(v: &Value) -> wgtrain::Result<ModelSpec> {
    ModelSpec::from_json(&v.to_string(), "test.json")
}

fn read_err(v: &Value) -> String {
    match read(v) {
        Ok(spec) => panic!("expected an error, read {spec:?}"),
        Err(e) => e.to_string(),
    }
}

/// The fixture with one layer's config argument set (layer index as Keras lists them,
/// the InputLayer being 0).
fn with_arg(name: &str, layer: usize, key: &str, value: Value) -> Value {
    let mut v = fixture(name);
    v["config"]["layers"][layer]["config"][key] = value;
    v
}

#[test]
fn keras_3_to_json_reads_as_the_seed_models() {
    let mlp = mnist_mlp(Device::Cpu, 0, true).unwrap().spec();
    assert_eq!(read(&fixture("mnist_mlp.json")).unwrap(), mlp);
    let cnn = mnist_cnn(Device::Cpu, 0).unwrap().spec();
    assert_eq!(read(&fixture("mnist_cnn.json")).unwrap(), cnn);
    let bn = ModelSpec::load(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/mnist_cnn_batchnorm.json"),
    )
    .unwrap();
    assert_eq!(read(&fixture("mnist_cnn_bn.json")).unwrap(), bn);
}

#[test]
fn a_keras_json_file_loads_as_a_model_description() {
    let dir = std::env::temp_dir().join(format!("wgtrain-keras-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.json");
    std::fs::write(&path, fixture("mnist_cnn.json").to_string()).unwrap();
    let spec = ModelSpec::load(&path).unwrap();
    assert_eq!(spec.layers.len(), 8);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every layer wgtrain has, with non-default arguments where it has them.
fn every_layer() -> ModelSpec {
    ModelSpec {
        input_shape: vec![28, 28, 1],
        layers: vec![
            LayerSpec::Conv2D {
                filters: 8,
                kernel_size: Pair(3, 5),
                strides: Pair(1, 2),
                padding: "same".into(),
                activation: "gelu".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
            LayerSpec::BatchNormalization {
                momentum: 0.9,
                epsilon: 1e-5,
            },
            LayerSpec::MaxPooling2D {
                pool_size: Pair(2, 2),
                strides: None,
                padding: "valid".into(),
            },
            LayerSpec::AveragePooling2D {
                pool_size: Pair(3, 3),
                strides: Some(Pair(1, 1)),
                padding: "valid".into(),
            },
            LayerSpec::LeakyReLU {
                negative_slope: 0.1,
            },
            LayerSpec::Activation {
                activation: "tanh".into(),
            },
            LayerSpec::Dropout {
                rate: 0.25,
                seed: None,
            },
            LayerSpec::Reshape {
                target_shape: vec![10, -1],
            },
            LayerSpec::Reshape {
                target_shape: vec![5, 2, -1],
            },
            LayerSpec::GlobalMaxPooling2D {},
            LayerSpec::Reshape {
                target_shape: vec![2, 2, 2],
            },
            LayerSpec::GlobalAveragePooling2D {},
            LayerSpec::Flatten {},
            LayerSpec::Dense {
                units: 10,
                activation: "softmax".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
        ],
        ..Default::default()
    }
}

#[test]
fn wgtrain_keras_json_reads_back_as_the_same_model() {
    let spec = every_layer();
    let text = spec.to_keras_json();
    assert_eq!(ModelSpec::from_json(&text, "exported").unwrap(), spec);
    // What Keras 3 needs to rebuild it: its module/class_name/config layout, an input
    // layer with the batch shape, Keras's layer names.
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["class_name"], "Sequential");
    let layers = v["config"]["layers"].as_array().unwrap();
    assert_eq!(layers[0]["config"]["batch_shape"], json!([null, 28, 28, 1]));
    let names: Vec<&str> = layers
        .iter()
        .map(|l| l["config"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(&names[7..10], ["dropout", "reshape", "reshape_1"]);
    assert_eq!(layers[4]["config"]["strides"], json!([1, 1]));
    assert_eq!(layers[3]["config"]["strides"], json!([2, 2]));
}

#[test]
fn tf_keras_2_json_reads_too() {
    // tf.keras 2.x: no InputLayer, batch_input_shape on the first layer, no `module`,
    // LeakyReLU's slope called alpha, BatchNormalization's axis as a list.
    let v = json!({"class_name": "Sequential", "keras_version": "2.15.0", "backend": "tensorflow",
    "config": {"name": "sequential", "layers": [
        {"class_name": "Conv2D", "config": {"name": "conv2d", "trainable": true,
            "batch_input_shape": [null, 28, 28, 1], "dtype": "float32", "filters": 4,
            "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
            "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
            "activation": "linear", "use_bias": true,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": null, "bias_regularizer": null,
            "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}},
        {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [3],
            "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true}},
        {"class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "alpha": 0.2}},
        {"class_name": "Flatten", "config": {"name": "flatten", "data_format": "channels_last"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 3, "activation": "sigmoid"}}
    ]}});
    let spec = read(&v).unwrap();
    assert_eq!(spec.input_shape, [28, 28, 1]);
    assert_eq!(
        spec.layers[2],
        LayerSpec::LeakyReLU {
            negative_slope: 0.2
        }
    );
    assert_eq!(spec.layers.len(), 5);
}

#[test]
fn unsupported_arguments_name_the_layer_and_the_argument() {
    let cnn = "mnist_cnn.json";
    let cases = [
        (
            with_arg(cnn, 1, "use_bias", json!("no")),
            "layer 1 \"conv2d\" (Conv2D): `use_bias` must be true or false, got \"no\"",
        ),
        (
            with_arg(cnn, 1, "dilation_rate", json!([2, 2])),
            "`dilation_rate` = [2,2] is not supported; wgtrain's Conv2D is not dilated",
        ),
        (
            with_arg(cnn, 1, "data_format", json!("channels_first")),
            "channels_last",
        ),
        (
            with_arg(cnn, 2, "padding", json!("full")),
            "(MaxPooling2D): field `padding` must be \"valid\" or \"same\", got \"full\"",
        ),
        (
            with_arg(cnn, 2, "trainable", json!(false)),
            "\"max_pooling2d\" (MaxPooling2D): `trainable: false` (a frozen layer) is not supported",
        ),
        (
            with_arg(
                cnn,
                7,
                "dtype",
                json!({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}),
            ),
            "computes in float32",
        ),
        (
            with_arg(
                cnn,
                7,
                "kernel_initializer",
                json!({"module": "keras.initializers", "class_name": "Orthogonal", "config": {"seed": null}}),
            ),
            "`kernel_initializer` = {",
        ),
        (
            with_arg(
                cnn,
                7,
                "kernel_regularizer",
                json!({"module": "keras.regularizers", "class_name": "OrthogonalRegularizer",
                       "config": {"factor": 0.01, "mode": "rows"}}),
            ),
            "argument `kernel_regularizer` = {\"class_name\":\"OrthogonalRegularizer\"",
        ),
        (
            with_arg(
                cnn,
                7,
                "activation",
                json!({"module": "builtins", "class_name": "function", "config": "my_act"}),
            ),
            "not custom objects",
        ),
        (
            with_arg(cnn, 7, "units", json!(-3)),
            "`units` must be a whole number, got -3",
        ),
        (
            with_arg("mnist_cnn_bn.json", 2, "axis", json!(1)),
            "argument `axis` = 1 is not supported; wgtrain normalises over the channel axis, the last: -1 or 3",
        ),
        (
            with_arg("mnist_cnn_bn.json", 2, "renorm", json!(true)),
            "argument `renorm` = true is not supported",
        ),
        (
            with_arg("mnist_cnn_bn.json", 6, "rate", json!(1.5)),
            "field `rate` must be in [0, 1), got 1.5",
        ),
    ];
    for (v, want) in cases {
        let e = read_err(&v);
        assert!(e.contains(want), "expected {want:?} in: {e}");
        assert!(e.contains("test.json"), "names the file: {e}");
    }
}

#[test]
fn unsupported_models_and_layers_say_what_is_supported() {
    let mut v = fixture("mnist_mlp.json");
    v["class_name"] = json!("Functional");
    assert!(read_err(&v)
        .contains("a Functional model is not supported; wgtrain reads Sequential models"));

    let mut v = fixture("mnist_mlp.json");
    v["config"]["layers"][1]["class_name"] = json!("Conv1D");
    let e = read_err(&v);
    assert!(
        e.contains("layer 1 \"dense\" (Conv1D): layer Conv1D is not supported"),
        "{e}"
    );
    assert!(
        e.contains("BatchNormalization"),
        "lists what is supported: {e}"
    );

    let mut v = fixture("mnist_mlp.json");
    v["config"]["layers"].as_array_mut().unwrap().remove(0);
    v["config"]["build_input_shape"] = Value::Null;
    v["build_config"] = Value::Null;
    assert!(read_err(&v).contains("no input shape"));

    // Names Keras has and wgtrain does not are refused when the file is read, naming it
    // and the Keras layer.
    let e = read_err(&with_arg("mnist_cnn.json", 7, "activation", json!("swish")));
    assert!(e.contains("test.json") && e.contains("(Dense)"), "{e}");
    assert!(e.contains("`activation` = \"swish\""), "{e}");

    let v = with_arg("mnist_mlp.json", 0, "batch_shape", json!([null, null, 3]));
    assert!(read_err(&v).contains("one fixed shape"));

    // Without an InputLayer, Keras's build_input_shape gives the input.
    let mut v = fixture("mnist_mlp.json");
    v["config"]["layers"].as_array_mut().unwrap().remove(0);
    assert_eq!(read(&v).unwrap().input_shape, [784]);
}
