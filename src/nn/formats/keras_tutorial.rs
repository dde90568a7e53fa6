//! Keras JSON for the tutorial layers beyond the seed set (LayerNormalization,
//! SpatialDropout2D, DepthwiseConv2D, SeparableConv2D, the augmentation layers
//! RandomFlip / RandomTranslation / RandomRotation / RandomZoom): their
//! reading from one Keras layer's `config` and the arguments Keras expects written back,
//! for [`super::keras_json`].

use serde_json::{json, Map, Value};

use super::keras_args::short;
use super::keras_args::Args;
use super::keras_layers::initializer;
use crate::error::Result;
use crate::nn::model::init::Initializer;
use crate::nn::model::spec::{
    DepthwiseConv2DArgs, Factor, LayerNormArgs, LayerSpec, Pair, RandomFlipArgs,
    RandomRotationArgs, RandomTranslationArgs, RandomZoomArgs, SeparableConv2DArgs,
    SpatialDropoutArgs,
};

/// The layer `class` reads as, `None` when it is not one of these; `rank` is the
/// per-sample rank of its input.
pub(super) fn read<'a>(class: &str, a: &mut Args<'a>, rank: usize) -> Result<Option<LayerSpec>> {
    Ok(Some(match class {
        "LayerNormalization" => {
            last_axis(a, rank)?;
            a.expect(
                "center",
                json!(true),
                "wgtrain's LayerNormalization has beta",
            )?;
            a.expect(
                "scale",
                json!(true),
                "wgtrain's LayerNormalization has gamma",
            )?;
            a.expect(
                "rms_scaling",
                json!(false),
                "wgtrain's LayerNormalization subtracts the mean",
            )?;
            a.initializer("beta_initializer", "Zeros")?;
            a.initializer("gamma_initializer", "Ones")?;
            LayerSpec::LayerNormalization(LayerNormArgs {
                epsilon: a.number("epsilon", 1e-3)?,
            })
        }
        "SpatialDropout2D" => {
            a.channels_last()?;
            a.required("rate")?;
            LayerSpec::SpatialDropout2D(SpatialDropoutArgs {
                rate: a.number("rate", 0.0)?,
                seed: a.seed()?,
            })
        }
        "DepthwiseConv2D" => {
            let (kernel_size, strides, padding) = windows(a)?;
            LayerSpec::DepthwiseConv2D(DepthwiseConv2DArgs {
                kernel_size,
                strides,
                padding,
                depth_multiplier: multiplier(a)?,
                activation: a.activation("activation", "linear")?,
                use_bias: a.boolean("use_bias", true)?,
                depthwise_initializer: a
                    .init("depthwise_initializer", Initializer::GlorotUniform)?,
                bias_initializer: a.init("bias_initializer", Initializer::Zeros)?,
            })
        }
        "SeparableConv2D" => {
            let filters = a.count("filters")?;
            let (kernel_size, strides, padding) = windows(a)?;
            LayerSpec::SeparableConv2D(SeparableConv2DArgs {
                filters,
                kernel_size,
                strides,
                padding,
                depth_multiplier: multiplier(a)?,
                activation: a.activation("activation", "linear")?,
                use_bias: a.boolean("use_bias", true)?,
                depthwise_initializer: a
                    .init("depthwise_initializer", Initializer::GlorotUniform)?,
                pointwise_initializer: a
                    .init("pointwise_initializer", Initializer::GlorotUniform)?,
                bias_initializer: a.init("bias_initializer", Initializer::Zeros)?,
            })
        }
        "RandomFlip" => {
            a.channels_last()?;
            let args = RandomFlipArgs {
                mode: a.string("mode", "horizontal_and_vertical")?,
                seed: a.seed()?,
            };
            args.augment().map_err(|e| a.err(e))?;
            LayerSpec::RandomFlip(args)
        }
        "RandomTranslation" => {
            a.channels_last()?;
            let args = RandomTranslationArgs {
                height_factor: factor(a, "height_factor")?,
                width_factor: factor(a, "width_factor")?,
                fill_mode: a.string("fill_mode", "reflect")?,
                interpolation: a.string("interpolation", "bilinear")?,
                seed: a.seed()?,
                fill_value: a.number("fill_value", 0.0)?,
            };
            args.augment().map_err(|e| a.err(e))?;
            LayerSpec::RandomTranslation(args)
        }
        "RandomRotation" => {
            a.channels_last()?;
            // Keras writes `value_range` on some versions' image layers; RandomRotation
            // takes none, so it is refused by `finish` like any unknown argument.
            let args = RandomRotationArgs {
                factor: factor(a, "factor")?,
                fill_mode: a.string("fill_mode", "reflect")?,
                interpolation: a.string("interpolation", "bilinear")?,
                seed: a.seed()?,
                fill_value: a.number("fill_value", 0.0)?,
            };
            args.augment().map_err(|e| a.err(e))?;
            LayerSpec::RandomRotation(args)
        }
        "RandomZoom" => {
            a.channels_last()?;
            let width_factor = match a.get("width_factor") {
                None => None,
                Some(_) => Some(factor(a, "width_factor")?),
            };
            let args = RandomZoomArgs {
                height_factor: factor(a, "height_factor")?,
                width_factor,
                fill_mode: a.string("fill_mode", "reflect")?,
                interpolation: a.string("interpolation", "bilinear")?,
                seed: a.seed()?,
                fill_value: a.number("fill_value", 0.0)?,
            };
            args.augment().map_err(|e| a.err(e))?;
            LayerSpec::RandomZoom(args)
        }
        _ => return Ok(None),
    }))
}

/// A depthwise layer's windows: channels last, not dilated, (kernel_size, strides,
/// padding).
fn windows(a: &mut Args) -> Result<(Pair, Pair, String)> {
    a.channels_last()?;
    let dilation = a.pair("dilation_rate")?.unwrap_or(Pair(1, 1));
    if dilation != Pair(1, 1) {
        return Err(a.unsupported(
            format!(
                "argument `dilation_rate` = [{}, {}]",
                dilation.0, dilation.1
            ),
            format!("wgtrain's {} is not dilated (dilation_rate 1)", a.class),
        ));
    }
    let kernel_size = a
        .pair("kernel_size")?
        .ok_or_else(|| a.err("argument `kernel_size` is missing"))?;
    let strides = a.pair("strides")?.unwrap_or(Pair(1, 1));
    Ok((kernel_size, strides, a.string("padding", "valid")?))
}

/// `depth_multiplier`: 1 when absent.
fn multiplier(a: &mut Args) -> Result<usize> {
    match a.get("depth_multiplier") {
        None => Ok(1),
        Some(_) => a.count("depth_multiplier"),
    }
}

/// A Keras random factor: a number or a list of two (required).
fn factor<'a>(a: &mut Args<'a>, key: &'a str) -> Result<Factor> {
    let v = a.required(key)?;
    let num = |v: &Value| v.as_f64().map(|x| x as f32);
    match v {
        Value::Array(l) if l.len() == 2 => {
            if let (Some(lo), Some(hi)) = (num(&l[0]), num(&l[1])) {
                return Ok(Factor::Range([lo, hi]));
            }
        }
        one => {
            if let Some(f) = num(one) {
                return Ok(Factor::One(f));
            }
        }
    }
    Err(a.err(format!(
        "`{key}` must be a number or a list of two numbers, got {}",
        short(v)
    )))
}

/// `axis` must be the last: −1 or the per-sample rank (the batch axis counts), alone or
/// as a one-element list.
fn last_axis(a: &mut Args, rank: usize) -> Result<()> {
    let axis = a.get("axis").cloned().unwrap_or(json!(-1));
    let one = match &axis {
        Value::Array(l) if l.len() == 1 => l[0].as_i64(),
        n => n.as_i64(),
    };
    if one == Some(-1) || (rank > 0 && one == Some(rank as i64)) {
        return Ok(());
    }
    Err(a.unsupported(
        format!("argument `axis` = {}", crate::echo::clip_display(&axis)),
        format!(
            "wgtrain normalises over the last axis: -1 or {rank} (also written [-1] or [{rank}])"
        ),
    ))
}

/// The arguments Keras's class expects beyond the description's own fields (and without
/// the common ones it does not take), after the common ones are written.
pub(super) fn write(l: &LayerSpec, cfg: &mut Map<String, Value>) {
    match l {
        LayerSpec::LayerNormalization(_) => {
            cfg.insert("axis".into(), json!(-1));
            cfg.insert("center".into(), json!(true));
            cfg.insert("scale".into(), json!(true));
        }
        LayerSpec::RandomFlip(_)
        | LayerSpec::RandomTranslation(_)
        | LayerSpec::RandomRotation(_)
        | LayerSpec::RandomZoom(_) => {
            cfg.insert("data_format".into(), json!("channels_last"));
            cfg.entry("seed").or_insert(Value::Null);
        }
        LayerSpec::SpatialDropout2D(_) => {
            cfg.insert("data_format".into(), json!("channels_last"));
            // Keras's SpatialDropout2D takes no `trainable` argument (nor writes one).
            cfg.remove("trainable");
        }
        LayerSpec::DepthwiseConv2D(d) => {
            depthwise_args(cfg, d.use_bias);
            cfg.insert(
                "depthwise_initializer".into(),
                initializer(d.depthwise_initializer),
            );
            cfg.insert("bias_initializer".into(), initializer(d.bias_initializer));
        }
        LayerSpec::SeparableConv2D(s) => {
            depthwise_args(cfg, s.use_bias);
            cfg.insert(
                "depthwise_initializer".into(),
                initializer(s.depthwise_initializer),
            );
            cfg.insert(
                "pointwise_initializer".into(),
                initializer(s.pointwise_initializer),
            );
            cfg.insert("bias_initializer".into(), initializer(s.bias_initializer));
        }
        _ => {}
    }
}

/// What Keras writes for both depthwise layers beyond the description's fields.
fn depthwise_args(cfg: &mut Map<String, Value>, use_bias: bool) {
    cfg.insert("data_format".into(), json!("channels_last"));
    cfg.insert("dilation_rate".into(), json!([1, 1]));
    cfg.insert("use_bias".into(), json!(use_bias));
}
