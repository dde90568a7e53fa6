//! Keras's own model JSON — what `model.to_json()` writes for a `keras.Sequential` (Keras 3,
//! and tf.keras 2's older form) — read into a [`ModelSpec`], and a `ModelSpec` written
//! back in Keras 3's form that `keras.models.model_from_json` loads. Every argument Keras
//! writes is either used, checked to be the value wgtrain implements, or (null / false:
//! a feature switched off) let through; anything else is an error naming the layer, the
//! argument and what wgtrain supports.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::keras_args::{sample_shape, short, Args};
use super::keras_layers;
use crate::error::{Error, Result};
use crate::nn::model::init::Initializer;
use crate::nn::model::spec::{LayerSpec, ModelSpec, Pair, BUILT_IN, KERAS_COMMON};

/// The Keras layers wgtrain reads, for error messages.
const SUPPORTED: &str = "InputLayer, Dense, Conv2D, MaxPooling2D, AveragePooling2D, \
                         GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Reshape, \
                         Activation, LeakyReLU, Dropout, BatchNormalization, Rescaling, \
                         ReLU, Softmax, ZeroPadding2D";

/// Whether a parsed JSON object is Keras's model JSON rather than wgtrain's description.
pub(crate) fn is_keras_model(v: &Value) -> bool {
    v.get("class_name").is_some() && v.get("config").is_some()
}

impl ModelSpec {
    /// Read Keras's `model.to_json()` for a Sequential model; `source` names it in errors.
    pub fn from_keras_json(v: &Value, source: &str) -> Result<ModelSpec> {
        let bad = |detail: String| Error::FileFormat {
            path: format!("Keras model {source}"),
            detail,
        };
        let class = v.get("class_name").and_then(Value::as_str).unwrap_or("?");
        if class != "Sequential" {
            return Err(Error::Unsupported {
                context: format!("Keras model {source}"),
                feature: format!("a {} model", crate::echo::clip(class)),
                reason: "wgtrain reads Sequential models (keras.Sequential([...]) and its \
                         to_json())"
                    .into(),
            });
        }
        let config = v
            .get("config")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no `config` object".into()))?;
        let layers = config
            .get("layers")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("`config` has no `layers` list".into()))?;
        let mut input_shape = None;
        let mut specs = Vec::new();
        // tf.keras 2 may give the input shape only after the layers (build_input_shape).
        let built = config
            .get("build_input_shape")
            .or_else(|| v.pointer("/build_config/input_shape"))
            .filter(|s| !s.is_null());
        // The rank of the per-sample shape so far, to read BatchNormalization's axis.
        let mut rank = match built {
            Some(b) => sample_shape(b, &format!("Keras model {source}"))?.len(),
            None => 0,
        };
        for (k, layer) in layers.iter().enumerate() {
            let class = layer
                .get("class_name")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let cfg = layer
                .get("config")
                .and_then(Value::as_object)
                .ok_or_else(|| bad(format!("layer {k} ({class}) has no `config` object")))?;
            let name = cfg.get("name").and_then(Value::as_str).unwrap_or("");
            let at = format!(
                "Keras model {source}: layer {k} \"{}\" ({})",
                crate::echo::clip(name),
                crate::echo::clip(class)
            );
            // tf.keras 2 puts the input shape on the first layer, Keras 3 on an InputLayer.
            for key in ["batch_shape", "batch_input_shape"] {
                if let Some(s) = cfg.get(key).filter(|s| !s.is_null()) {
                    if !specs.is_empty() || input_shape.is_some() {
                        return Err(bad(format!(
                            "layer {k} ({class}) gives an input shape after the first layer; \
                             a Sequential model has one input"
                        )));
                    }
                    let s = sample_shape(s, &at)?;
                    rank = s.len();
                    input_shape = Some(s);
                }
            }
            let mut a = Args {
                cfg,
                used: HashSet::from(["batch_shape", "batch_input_shape"]),
                class,
                at,
            };
            let registered = layer.get("registered_name").and_then(Value::as_str);
            let spec = match class {
                // A layer of the user's own (Keras writes a registered name for it): kept
                // as its class and arguments, for Rust code that defines it.
                custom if registered.is_some() && !BUILT_IN.contains(&custom) => {
                    let config = cfg
                        .iter()
                        .filter(|(k, _)| !KERAS_COMMON.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    specs.push(LayerSpec::Custom {
                        class_name: custom.to_string(),
                        config: Value::Object(config),
                    });
                    continue;
                }
                "InputLayer" => {
                    if input_shape.is_none() {
                        return Err(a.err("has no `batch_shape`"));
                    }
                    a.expect("sparse", json!(false), "wgtrain's inputs are dense")?;
                    a.expect("ragged", json!(false), "wgtrain's inputs are dense")?;
                    a.expect("optional", json!(false), "wgtrain's input is required")?;
                    a.finish()?;
                    continue;
                }
                "Dense" => LayerSpec::Dense {
                    units: a.count("units")?,
                    activation: a.string("activation", "linear")?,
                    use_bias: a.boolean("use_bias", true)?,
                    kernel_initializer: a.init("kernel_initializer", Initializer::GlorotUniform)?,
                    bias_initializer: a.init("bias_initializer", Initializer::Zeros)?,
                    trainable: a.boolean("trainable", true)?,
                },
                "Conv2D" => {
                    a.channels_last()?;
                    a.expect(
                        "dilation_rate",
                        json!([1, 1]),
                        "wgtrain's Conv2D is not dilated",
                    )?;
                    a.expect("groups", json!(1), "wgtrain's Conv2D has one group")?;
                    LayerSpec::Conv2D {
                        filters: a.count("filters")?,
                        kernel_size: a
                            .pair("kernel_size")?
                            .ok_or_else(|| a.err("argument `kernel_size` is missing"))?,
                        strides: a.pair("strides")?.unwrap_or(Pair(1, 1)),
                        padding: a.string("padding", "valid")?,
                        activation: a.string("activation", "linear")?,
                        use_bias: a.boolean("use_bias", true)?,
                        kernel_initializer: a
                            .init("kernel_initializer", Initializer::GlorotUniform)?,
                        bias_initializer: a.init("bias_initializer", Initializer::Zeros)?,
                        trainable: a.boolean("trainable", true)?,
                    }
                }
                "MaxPooling2D" | "AveragePooling2D" => {
                    a.channels_last()?;
                    let padding = a.string("padding", "valid")?;
                    let pool_size = a.pair("pool_size")?.unwrap_or(Pair(2, 2));
                    // Keras writes strides = pool_size when they were not given.
                    let strides = a.pair("strides")?.filter(|s| *s != pool_size);
                    match class {
                        "MaxPooling2D" => LayerSpec::MaxPooling2D {
                            pool_size,
                            strides,
                            padding,
                        },
                        _ => LayerSpec::AveragePooling2D {
                            pool_size,
                            strides,
                            padding,
                        },
                    }
                }
                "GlobalAveragePooling2D" | "GlobalMaxPooling2D" => {
                    a.channels_last()?;
                    a.expect(
                        "keepdims",
                        json!(false),
                        "wgtrain's global pooling drops the axes",
                    )?;
                    match class {
                        "GlobalMaxPooling2D" => LayerSpec::GlobalMaxPooling2D {},
                        _ => LayerSpec::GlobalAveragePooling2D {},
                    }
                }
                "Flatten" => {
                    a.channels_last()?;
                    LayerSpec::Flatten {}
                }
                "Dropout" => {
                    a.expect(
                        "noise_shape",
                        Value::Null,
                        "wgtrain drops elements independently",
                    )?;
                    a.required("rate")?;
                    LayerSpec::Dropout {
                        rate: a.number("rate", 0.0)?,
                    }
                }
                "Activation" => LayerSpec::Activation {
                    activation: a.string("activation", "")?,
                },
                "Reshape" => {
                    let t = a.required("target_shape")?;
                    let target: Option<Vec<i64>> = t
                        .as_array()
                        .and_then(|d| d.iter().map(Value::as_i64).collect());
                    LayerSpec::Reshape {
                        target_shape: target.ok_or_else(|| {
                            a.err(format!(
                                "`target_shape` must be a list of sizes, got {}",
                                short(t)
                            ))
                        })?,
                    }
                }
                "LeakyReLU" => {
                    // Keras 3 calls the slope negative_slope, tf.keras 2 alpha.
                    let alpha = a.number("alpha", 0.3)?;
                    LayerSpec::LeakyReLU {
                        negative_slope: a.number("negative_slope", alpha)?,
                    }
                }
                "BatchNormalization" => {
                    let axis = a.get("axis").cloned().unwrap_or(json!(-1));
                    // The channel axis, however written: -1 or its index counting the batch
                    // axis (the per-sample rank), alone or as a one-element list.
                    let one = match &axis {
                        Value::Array(l) if l.len() == 1 => l[0].as_i64(),
                        n => n.as_i64(),
                    };
                    if !(one == Some(-1) || (rank > 0 && one == Some(rank as i64))) {
                        return Err(a.unsupported(
                            format!("argument `axis` = {}", crate::echo::clip_display(&axis)),
                            format!(
                                "wgtrain normalises over the channel axis, the last: -1 or \
                                 {rank} (also written [-1] or [{rank}]){}",
                                match one {
                                    Some(0) => "; axis 0 is the batch axis",
                                    _ => "",
                                }
                            ),
                        ));
                    }
                    a.expect(
                        "center",
                        json!(true),
                        "wgtrain's BatchNormalization has beta",
                    )?;
                    a.expect(
                        "scale",
                        json!(true),
                        "wgtrain's BatchNormalization has gamma",
                    )?;
                    a.initializer("beta_initializer", "Zeros")?;
                    a.initializer("gamma_initializer", "Ones")?;
                    a.initializer("moving_mean_initializer", "Zeros")?;
                    a.initializer("moving_variance_initializer", "Ones")?;
                    // Only read with renorm, which must be off.
                    a.get("renorm_momentum");
                    LayerSpec::BatchNormalization {
                        momentum: a.number("momentum", 0.99)?,
                        epsilon: a.number("epsilon", 1e-3)?,
                    }
                }
                "Rescaling" => keras_layers::rescaling(&mut a)?,
                "ReLU" => keras_layers::relu(&mut a)?,
                "Softmax" => keras_layers::softmax(&mut a, rank)?,
                "ZeroPadding2D" => keras_layers::zero_padding2d(&mut a)?,
                other => {
                    return Err(a.unsupported(
                        format!("layer {}", crate::echo::clip(other)),
                        format!("wgtrain reads {SUPPORTED}"),
                    ))
                }
            };
            a.finish()?;
            rank = match &spec {
                LayerSpec::Flatten {}
                | LayerSpec::GlobalAveragePooling2D {}
                | LayerSpec::GlobalMaxPooling2D {} => 1,
                LayerSpec::Reshape { target_shape } => target_shape.len(),
                _ => rank,
            };
            specs.push(spec);
        }
        let input_shape = match input_shape {
            Some(s) => s,
            None => {
                let built = built.ok_or_else(|| {
                    bad("no input shape (no InputLayer, batch_input_shape or \
                             build_input_shape); build the model with keras.Input(shape) first"
                        .into())
                })?;
                sample_shape(built, &format!("Keras model {source}"))?
            }
        };
        // The description's own checks (ranges of rates and momenta) apply as well.
        let spec = ModelSpec {
            input_shape,
            layers: specs,
        };
        ModelSpec::from_json(&spec.to_json(), &format!("{source} (read as Keras JSON)"))
    }

    /// The model as Keras 3's `model.to_json()` would write it, for
    /// `keras.models.model_from_json`; layers are named as Keras names them.
    pub fn to_keras_json(&self) -> String {
        // Layers of each kind so far (a map: linear in the layer count).
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        let mut layers = vec![json!({
            "module": "keras.layers",
            "class_name": "InputLayer",
            "config": {
                "batch_shape": std::iter::once(Value::Null)
                    .chain(self.input_shape.iter().map(|&d| json!(d)))
                    .collect::<Vec<_>>(),
                "dtype": "float32",
                "sparse": false,
                "name": "input_layer",
            },
            "registered_name": null,
        })];
        for l in &self.layers {
            // A layer defined outside wgtrain keeps its own class name and arguments
            // (Keras loads it only with that class registered).
            let (kind, custom) = match l {
                LayerSpec::Custom { class_name, config } => (class_name.as_str(), Some(config)),
                _ => (l.kind(), None),
            };
            let count = seen.entry(kind).or_insert(0);
            let same = *count;
            *count += 1;
            let base = crate::nn::model::sequential::keras_name(kind);
            let name = match same {
                0 => base,
                n => format!("{base}_{n}"),
            };
            let mut cfg = match custom.map_or_else(
                || serde_json::to_value(l).expect("a LayerSpec serialises"),
                |c| json!({ kind: c }),
            ) {
                Value::Object(o) => o
                    .into_iter()
                    .next()
                    .and_then(|(_, c)| c.as_object().cloned())
                    .unwrap_or_default(),
                _ => Map::new(),
            };
            // The arguments Keras writes that wgtrain's description leaves implicit.
            keras_layers::implicit_args(l, &mut cfg);
            cfg.insert("name".into(), json!(name));
            cfg.entry("trainable").or_insert(json!(true));
            cfg.insert("dtype".into(), json!("float32"));
            layers.push(json!({
                "module": "keras.layers",
                "class_name": kind,
                "config": cfg,
                "registered_name": custom.map(|_| kind),
            }));
        }
        json!({
            "module": "keras",
            "class_name": "Sequential",
            "config": {"name": "sequential", "trainable": true, "dtype": "float32", "layers": layers},
            "registered_name": null,
        })
        .to_string()
    }
}
