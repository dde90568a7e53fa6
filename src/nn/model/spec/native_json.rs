//! Reading wgtrain's own model description from parsed JSON: each layer's arguments,
//! name and settings checked, errors naming the layer and the field.

use super::*;

impl ModelSpec {
    /// Read wgtrain's own description from parsed JSON (`from_json` has checked it is
    /// JSON within f32's range and not Keras's form).
    pub(crate) fn from_native_json(v: &serde_json::Value, source: &str) -> Result<ModelSpec> {
        let bad = |detail: String| Error::FileFormat {
            path: format!("model description {source}"),
            detail,
        };
        let obj = v
            .as_object()
            .ok_or_else(|| bad("expected an object with \"input_shape\" and \"layers\"".into()))?;
        if let Some(k) = obj.keys().find(|k| *k != "input_shape" && *k != "layers") {
            return Err(bad(format!(
                "unknown field `{}`; expected `input_shape` and `layers`",
                crate::echo::clip(k)
            )));
        }
        let input_shape: Vec<usize> = match obj.get("input_shape") {
            None => return Err(bad("missing field `input_shape`, e.g. [28, 28, 1]".into())),
            Some(s) => serde_json::from_value(s.clone()).map_err(|e| {
                bad(format!(
                    "field `input_shape`: {e}; expected a list of sizes, e.g. [28, 28, 1]"
                ))
            })?,
        };
        let layers = match obj.get("layers") {
            Some(serde_json::Value::Array(a)) => a,
            _ => return Err(bad("missing field `layers` (a list of layers)".into())),
        };
        let max = MAX_LAYERS;
        if layers.len() > max {
            return Err(bad(format!(
                "{} layers; a model has at most {max} layers; {}",
                layers.len(),
                TOO_MANY_LAYERS
            )));
        }
        let mut specs = Vec::with_capacity(layers.len());
        let mut given = Vec::with_capacity(layers.len());
        for (i, l) in layers.iter().enumerate() {
            let kind = match l {
                serde_json::Value::Object(o) if o.len() == 1 => o.keys().next().cloned(),
                serde_json::Value::String(s) => Some(s.clone()),
                _ => None,
            };
            let Some(kind) = kind else {
                return Err(bad(format!(
                    "layer {i}: expected one Keras layer name with its arguments, e.g. \
                     {{\"Dense\": {{\"units\": 10}}}}"
                )));
            };
            // `"Flatten"` alone is accepted for layers without arguments.
            let l = match l {
                serde_json::Value::String(s) => serde_json::json!({ s.clone(): {} }),
                other => other.clone(),
            };
            let (l, name) = names::take_name(l)
                .map_err(|e| bad(format!("layer {i} ({}): {e}", crate::echo::clip(&kind))))?;
            given.push(name);
            let spec: LayerSpec = serde_json::from_value(l).map_err(|e| {
                let e = e.to_string();
                let e = if e.starts_with("unknown variant") {
                    format!(
                        "unknown layer `{}`; use Dense, Conv2D, MaxPooling2D, \
                         AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, \
                         Flatten, Reshape, Activation, LeakyReLU, Dropout, BatchNormalization, \
                         LayerNormalization, SpatialDropout2D, Rescaling, ReLU, Softmax, ZeroPadding2D, \
                         DepthwiseConv2D, SeparableConv2D, RandomFlip, RandomTranslation, \
                         RandomRotation or RandomZoom",
                        crate::echo::clip(&kind)
                    )
                } else {
                    crate::echo::clip(&e).into_owned()
                };
                bad(format!("layer {i} ({}): {e}", crate::echo::clip(&kind)))
            })?;
            // Numbers JSON allows but f32 cannot hold (1e300 becomes infinity) are
            // refused here, so every description that parses also writes back as JSON.
            let out_of_range = match spec {
                LayerSpec::Dropout { rate, .. } if !(0.0..1.0).contains(&rate) => {
                    Some(format!("field `rate` must be in [0, 1), got {rate}"))
                }
                LayerSpec::BatchNormalization { momentum, .. }
                    if !(0.0..=1.0).contains(&momentum) =>
                {
                    Some(format!(
                        "field `momentum` must be in [0, 1], got {momentum}"
                    ))
                }
                LayerSpec::BatchNormalization { epsilon, .. }
                    if !(epsilon > 0.0 && epsilon.is_finite()) =>
                {
                    Some(format!(
                        "field `epsilon` must be a positive number, got {epsilon}"
                    ))
                }
                LayerSpec::LayerNormalization(ref a) => a.check(),
                LayerSpec::SpatialDropout2D(ref a) => a.check(),
                LayerSpec::DepthwiseConv2D(ref a) => a.check(),
                LayerSpec::SeparableConv2D(ref a) => a.check(),
                LayerSpec::RandomFlip(ref a) => a.augment().err(),
                LayerSpec::RandomTranslation(ref a) => a.augment().err(),
                LayerSpec::RandomRotation(ref a) => a.augment().err(),
                LayerSpec::RandomZoom(ref a) => a.augment().err(),
                LayerSpec::LeakyReLU { negative_slope: s } if !(s.is_finite() && s >= 0.0) => Some(
                    format!("field `negative_slope` must be a number ≥ 0, got {s}"),
                ),
                LayerSpec::Rescaling { scale, offset }
                    if !(scale.is_finite() && offset.is_finite()) =>
                {
                    Some(format!(
                        "fields `scale` and `offset` must be finite numbers, got {scale} and {offset}"
                    ))
                }
                LayerSpec::Dense {
                    kernel_initializer: k,
                    bias_initializer: b,
                    ..
                }
                | LayerSpec::Conv2D {
                    kernel_initializer: k,
                    bias_initializer: b,
                    ..
                } if k.check().is_err() || b.check().is_err() => {
                    k.check().and(b.check()).err().map(|e| {
                        format!("fields `kernel_initializer` / `bias_initializer`: {e}")
                    })
                }
                LayerSpec::Dense {
                    kernel_regularizer: k,
                    bias_regularizer: b,
                    ..
                }
                | LayerSpec::Conv2D {
                    kernel_regularizer: k,
                    bias_regularizer: b,
                    ..
                } if regularizer_error(k, b).is_some() => regularizer_error(k, b),
                LayerSpec::MaxPooling2D { ref padding, .. }
                | LayerSpec::AveragePooling2D { ref padding, .. }
                    if padding != "valid" && padding != "same" =>
                {
                    Some(format!(
                        "field `padding` must be \"valid\" or \"same\", got \"{}\"",
                        crate::echo::clip(padding)
                    ))
                }
                LayerSpec::Softmax { axis } if axis != -1 => Some(format!(
                    "field `axis` = {axis} is not supported; wgtrain's softmax is over the \
                     last axis, -1"
                )),
                LayerSpec::Custom {
                    ref class_name,
                    ref config,
                } => check_custom(class_name, config).err(),
                _ => None,
            }
            .or_else(|| settings::check_settings(&spec).err());
            if let Some(msg) = out_of_range {
                let at = names::label(i, given[i].as_deref(), &kind);
                return Err(bad(format!("{at}: {msg}")));
            }
            specs.push(spec);
        }
        let names = names::canonical_names(&specs, &given).map_err(|(i, e)| {
            bad(format!(
                "{}: {e}",
                names::label(i, given[i].as_deref(), specs[i].kind())
            ))
        })?;
        Ok(ModelSpec {
            input_shape,
            layers: specs,
            names,
        })
    }
}

/// What is wrong with a layer's regularizers (factors finite and ≥ 0), naming the field.
fn regularizer_error(
    kernel: Option<crate::nn::Regularizer>,
    bias: Option<crate::nn::Regularizer>,
) -> Option<String> {
    [("kernel_regularizer", kernel), ("bias_regularizer", bias)]
        .into_iter()
        .find_map(|(field, r)| r?.check().err().map(|e| format!("field `{field}`: {e}")))
}
