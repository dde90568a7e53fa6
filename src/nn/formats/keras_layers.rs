//! Reading and writing the Keras layers that need more than a line in `keras_json.rs`
//! (Dense and Conv2D with their weight options, Rescaling, ReLU, Softmax, ZeroPadding2D),
//! and initializers and regularizers in Keras's form.

use serde_json::{json, Map, Value};

use super::keras_args::{short, Args};
use super::keras_regularizer as regularizer;
use crate::error::Result;
use crate::nn::model::init::Initializer;
use crate::nn::model::spec::{LayerSpec, Pair, ZeroPadding};

/// Keras's `Dense`: units, activation and the weight options.
pub(super) fn dense(a: &mut Args) -> Result<LayerSpec> {
    Ok(LayerSpec::Dense {
        units: a.count("units")?,
        activation: a.activation("activation", "linear")?,
        use_bias: a.boolean("use_bias", true)?,
        kernel_initializer: a.init("kernel_initializer", Initializer::GlorotUniform)?,
        bias_initializer: a.init("bias_initializer", Initializer::Zeros)?,
        trainable: a.boolean("trainable", true)?,
        kernel_regularizer: regularizer::read(a, "kernel_regularizer")?,
        bias_regularizer: regularizer::read(a, "bias_regularizer")?,
    })
}

/// Keras's `Conv2D` (channels last, not dilated, one group) with the weight options.
pub(super) fn conv2d(a: &mut Args) -> Result<LayerSpec> {
    a.channels_last()?;
    a.expect(
        "dilation_rate",
        json!([1, 1]),
        "wgtrain's Conv2D is not dilated",
    )?;
    a.expect("groups", json!(1), "wgtrain's Conv2D has one group")?;
    Ok(LayerSpec::Conv2D {
        filters: a.count("filters")?,
        kernel_size: a
            .pair("kernel_size")?
            .ok_or_else(|| a.err("argument `kernel_size` is missing"))?,
        strides: a.pair("strides")?.unwrap_or(Pair(1, 1)),
        padding: a.string("padding", "valid")?,
        activation: a.activation("activation", "linear")?,
        use_bias: a.boolean("use_bias", true)?,
        kernel_initializer: a.init("kernel_initializer", Initializer::GlorotUniform)?,
        bias_initializer: a.init("bias_initializer", Initializer::Zeros)?,
        trainable: a.boolean("trainable", true)?,
        kernel_regularizer: regularizer::read(a, "kernel_regularizer")?,
        bias_regularizer: regularizer::read(a, "bias_regularizer")?,
    })
}

/// Keras's `Rescaling(scale, offset)`: one number each.
pub(super) fn rescaling(a: &mut Args) -> Result<LayerSpec> {
    let scale = a.required("scale")?;
    if !scale.is_number() {
        return Err(a.unsupported(
            format!("argument `scale` = {}", short(scale)),
            "wgtrain's Rescaling takes one number (not one per channel)",
        ));
    }
    if a.get("offset").is_some_and(|o| !o.is_number()) {
        return Err(a.unsupported(
            "argument `offset` that is not one number".into(),
            "wgtrain's Rescaling takes one number (not one per channel)",
        ));
    }
    Ok(LayerSpec::Rescaling {
        scale: a.number("scale", 1.0)?,
        offset: a.number("offset", 0.0)?,
    })
}

/// Keras's `ReLU()`: only its default arguments.
pub(super) fn relu(a: &mut Args) -> Result<LayerSpec> {
    let no = "wgtrain's ReLU layer is max(x, 0) (Keras's defaults); use LeakyReLU for a \
              negative slope";
    a.expect("max_value", Value::Null, no)?;
    for key in ["negative_slope", "threshold"] {
        let v = a.number(key, 0.0)?;
        if v != 0.0 {
            return Err(a.unsupported(format!("argument `{key}` = {v}"), no));
        }
    }
    Ok(LayerSpec::ReLU {})
}

/// Keras's `Softmax(axis)`: the last axis (-1, or `rank` counting the batch axis).
pub(super) fn softmax(a: &mut Args, rank: usize) -> Result<LayerSpec> {
    let axis = a.get("axis").cloned().unwrap_or(json!(-1));
    let last = match &axis {
        Value::Array(l) if l.len() == 1 => l[0].as_i64(),
        n => n.as_i64(),
    };
    if !(last == Some(-1) || (rank > 0 && last == Some(rank as i64))) {
        return Err(a.unsupported(
            format!("argument `axis` = {}", crate::echo::clip_display(&axis)),
            format!("wgtrain's softmax is over the last axis: -1 or {rank}"),
        ));
    }
    Ok(LayerSpec::Softmax { axis: -1 })
}

/// Keras's `ZeroPadding2D(padding)` in its three forms.
pub(super) fn zero_padding2d(a: &mut Args) -> Result<LayerSpec> {
    a.channels_last()?;
    let padding = match a.get("padding") {
        None => ZeroPadding((1, 1), (1, 1)),
        Some(v) => serde_json::from_value(v.clone()).map_err(|_| {
            a.err(format!(
                "`padding` must be a number, [height, width] or [[top, bottom], [left, \
                 right]], got {}",
                short(v)
            ))
        })?,
    };
    Ok(LayerSpec::ZeroPadding2D { padding })
}

/// An initialiser as Keras 3 writes it (its seed unset).
pub(super) fn initializer(init: Initializer) -> Value {
    let mut config = match serde_json::to_value(init) {
        Ok(Value::Object(o)) => o
            .into_iter()
            .next()
            .and_then(|(_, c)| c.as_object().cloned())
            .unwrap_or_default(),
        _ => Map::new(),
    };
    if !matches!(init, Initializer::Zeros | Initializer::Ones) {
        config.insert("seed".into(), Value::Null);
    }
    json!({
        "module": "keras.initializers",
        "class_name": init.class_name(),
        "config": config,
        "registered_name": null,
    })
}

/// The arguments Keras writes for `l` that its description leaves implicit (pooling
/// strides, padding; use_bias, the initializers and regularizers of Dense and Conv2D).
pub(super) fn implicit_args(l: &LayerSpec, cfg: &mut Map<String, Value>) {
    match l {
        LayerSpec::MaxPooling2D {
            pool_size,
            strides,
            padding,
        }
        | LayerSpec::AveragePooling2D {
            pool_size,
            strides,
            padding,
        } => {
            let s = strides.unwrap_or(*pool_size);
            cfg.insert("strides".into(), json!([s.0, s.1]));
            cfg.insert("padding".into(), json!(padding));
        }
        LayerSpec::Dense {
            use_bias,
            kernel_initializer: k,
            bias_initializer: b,
            kernel_regularizer: kr,
            bias_regularizer: br,
            ..
        }
        | LayerSpec::Conv2D {
            use_bias,
            kernel_initializer: k,
            bias_initializer: b,
            kernel_regularizer: kr,
            bias_regularizer: br,
            ..
        } => {
            cfg.insert("use_bias".into(), json!(use_bias));
            cfg.insert("kernel_initializer".into(), initializer(*k));
            cfg.insert("bias_initializer".into(), initializer(*b));
            cfg.insert("kernel_regularizer".into(), regularizer::write(*kr));
            cfg.insert("bias_regularizer".into(), regularizer::write(*br));
        }
        _ => {}
    }
}
