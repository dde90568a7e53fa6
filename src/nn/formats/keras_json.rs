//! Keras's own model JSON — what `model.to_json()` writes for a `keras.Sequential` (Keras 3,
//! and tf.keras 2's older form) — read into a [`ModelSpec`], and a `ModelSpec` written
//! back in Keras 3's form that `keras.models.model_from_json` loads. Every argument Keras
//! writes is either used, checked to be the value wgtrain implements, or (null / false:
//! a feature switched off) let through; anything else is an error naming the layer, the
//! argument and what wgtrain supports.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::keras_args::{layer_name, sample_shape, short, Args};
use super::keras_layers;
use crate::error::{Error, Result};
use crate::nn::model::spec::shortest::shortest_value;
use crate::nn::model::spec::{LayerSpec, ModelSpec, Pair, BUILT_IN, KERAS_COMMON};

/// The Keras layers wgtrain reads, for error messages.
const SUPPORTED: &str = "InputLayer, Dense, Conv2D, DepthwiseConv2D, SeparableConv2D, \
    MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Reshape, \
    Activation, LeakyReLU, Dropout, SpatialDropout2D, BatchNormalization, LayerNormalization, \
    Rescaling, ReLU, Softmax, ZeroPadding2D, RandomFlip, RandomTranslation, RandomRotation, \
    RandomZoom";

/// Whether a parsed JSON object is Keras's model JSON rather than wgtrain's description.
pub(crate) fn is_keras_model(v: &Value) -> bool {
    v.get("class_name").is_some() && v.get("config").is_some()
}

impl ModelSpec {
    /// Read Keras's `model.to_json()` for a Sequential model; `source` names it in errors,
    /// with each Keras layer's name and class. The layers keep their Keras names.
    pub fn from_keras_json(v: &Value, source: &str) -> Result<ModelSpec> {
        ModelSpec::from_keras_json_for(v, source, None)
    }

    /// The same; with `ignored` (reading a model to run weights trained elsewhere), the
    /// arguments that only matter when training (initializers, regularizers, constraints,
    /// `trainable`) are accepted whatever they are, and each layer's are listed there.
    pub(crate) fn from_keras_json_for(
        v: &Value,
        source: &str,
        mut ignored: Option<&mut Vec<String>>,
    ) -> Result<ModelSpec> {
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
        let mut names: Vec<Option<String>> = Vec::new();
        let mut seen = Default::default();
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
                .ok_or_else(|| {
                    bad(format!(
                        "layer {k} ({}) has no `config` object",
                        crate::echo::clip(class)
                    ))
                })?;
            let name = layer_name(cfg, k, class, &mut seen).map_err(bad)?;
            // The index as the JSON lists the layers (the InputLayer first), the Keras name
            // and class.
            let at = format!(
                "Keras model {source}: layer {k} \"{}\" ({})",
                crate::echo::clip(name.unwrap_or_default()),
                crate::echo::clip(class)
            );
            // tf.keras 2 puts the input shape on the first layer, Keras 3 on an InputLayer.
            for key in ["batch_shape", "batch_input_shape"] {
                if let Some(s) = cfg.get(key).filter(|s| !s.is_null()) {
                    if !specs.is_empty() || input_shape.is_some() {
                        return Err(Error::FileFormat {
                            path: at,
                            detail: "gives an input shape after the first layer; a \
                                     Sequential model has one input"
                                .into(),
                        });
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
                inference: ignored.is_some(),
                ignored: Vec::new(),
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
                    names.push(name.map(str::to_string));
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
                "Dense" => keras_layers::dense(&mut a)?,
                "Conv2D" => keras_layers::conv2d(&mut a)?,
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
                        seed: a.seed()?,
                    }
                }
                "Activation" => LayerSpec::Activation {
                    activation: a.activation("activation", "")?,
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
                other => match super::keras_tutorial::read(other, &mut a, rank)? {
                    Some(spec) => spec,
                    None => {
                        return Err(a.unsupported(
                            format!("layer {}", crate::echo::clip(other)),
                            format!("wgtrain reads {SUPPORTED}"),
                        ))
                    }
                },
            };
            a.finish()?;
            if let (Some(notes), Some(note)) = (ignored.as_deref_mut(), a.ignored_note()) {
                notes.push(note);
            }
            rank = match &spec {
                LayerSpec::Flatten {}
                | LayerSpec::GlobalAveragePooling2D {}
                | LayerSpec::GlobalMaxPooling2D {} => 1,
                LayerSpec::Reshape { target_shape } => target_shape.len(),
                _ => rank,
            };
            specs.push(spec);
            names.push(name.map(str::to_string));
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
            names,
        };
        ModelSpec::from_json(&spec.to_json(), &format!("{source} (read as Keras JSON)"))
    }

    /// The model as Keras 3's `model.to_json()` would write it, for
    /// `keras.models.model_from_json`; the layers keep their names
    /// ([`layer_names`](Self::layer_names)).
    pub fn to_keras_json(&self) -> String {
        let names = self.layer_names();
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
        for (l, name) in self.layers.iter().zip(names) {
            // A layer defined outside wgtrain keeps its own class name and arguments
            // (Keras loads it only with that class registered).
            let (kind, custom) = match l {
                LayerSpec::Custom { class_name, config } => (class_name.as_str(), Some(config)),
                _ => (l.kind(), None),
            };
            let mut cfg = match custom.map_or_else(|| shortest_value(l), |c| json!({ kind: c })) {
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
            super::keras_tutorial::write(l, &mut cfg);
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
