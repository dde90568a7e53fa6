//! Keras JSON for the tutorial layers beyond the seed set (LayerNormalization,
//! SpatialDropout2D, …): their
//! reading from one Keras layer's `config` and the arguments Keras expects written back,
//! for [`super::keras_json`].

use serde_json::{json, Map, Value};

use super::keras_args::Args;
use crate::error::Result;
use crate::nn::model::spec::{LayerNormArgs, LayerSpec, SpatialDropoutArgs};

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
            })
        }
        _ => return Ok(None),
    }))
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
        LayerSpec::SpatialDropout2D(_) => {
            cfg.insert("data_format".into(), json!("channels_last"));
            // Keras's SpatialDropout2D takes no `trainable` argument (nor writes one).
            cfg.remove("trainable");
        }
        _ => {}
    }
}
