//! Keras's weight regularizers in its JSON, both ways: `kernel_regularizer` /
//! `bias_regularizer` as Keras 3 writes them (`{"module": "keras.regularizers",
//! "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null}`) or by name
//! (`"l2"`, with Keras's default factors), read into [`Regularizer`] and written back with
//! each factor as its shortest f32.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::keras_args::{short, Args};
use crate::error::Result;
use crate::nn::model::spec::shortest::shortest_value;
use crate::nn::Regularizer;

/// What wgtrain reads, for the message refusing anything else.
const SUPPORTED: &str = "wgtrain's regularizers are L1(l1), L2(l2) and L1L2(l1, l2)";

/// The regularizer argument `key` (None when absent or null). Read for inference (the
/// weights only run), one wgtrain cannot read is let through with a note instead.
pub(super) fn read<'a>(a: &mut Args<'a>, key: &'a str) -> Result<Option<Regularizer>> {
    let Some(v) = a.get(key) else {
        return Ok(None);
    };
    match parse(a, key, v) {
        Err(_) if a.inference => {
            a.ignored.push(format!("`{key}` = {}", short(v)));
            Ok(None)
        }
        r => r.map(Some),
    }
}

fn parse(a: &Args, key: &str, v: &Value) -> Result<Regularizer> {
    let (class, config) = match v {
        Value::String(s) => (s.as_str(), None),
        Value::Object(o) => (
            o.get("class_name").and_then(Value::as_str).unwrap_or("?"),
            o.get("config").filter(|c| !c.is_null()),
        ),
        _ => ("?", None),
    };
    let config = match config {
        None => None,
        Some(Value::Object(c)) => Some(c),
        Some(other) => {
            return Err(a.err(format!(
                "`{key}`: `config` must be an object, got {}",
                short(other)
            )))
        }
    };
    // Keras's names for them: the class, or its snake_case name (ALL_OBJECTS_DICT).
    let (args, defaults): (&[&str], [f32; 2]) = match class {
        "L1" | "l1" => (&["l1"], [0.01, 0.0]),
        "L2" | "l2" => (&["l2"], [0.0, 0.01]),
        "L1L2" | "l1l2" => (&["l1", "l2"], [0.0, 0.0]),
        _ => return Err(a.unsupported(format!("argument `{key}` = {}", short(v)), SUPPORTED)),
    };
    if let Some((k, _)) = config
        .into_iter()
        .flatten()
        .find(|(k, _)| !args.contains(&k.as_str()))
    {
        return Err(a.unsupported(
            format!("argument `{key}` = {}", short(v)),
            format!("Keras's {class} has no argument `{k}`; {SUPPORTED}"),
        ));
    }
    let factor = |name: &str, default: f32| -> Result<f32> {
        match config.and_then(|c| c.get(name)).filter(|x| !x.is_null()) {
            None => Ok(default),
            Some(x) => x.as_f64().map(|x| x as f32).ok_or_else(|| {
                a.err(format!(
                    "`{key}`: `{name}` must be a number, got {}",
                    short(x)
                ))
            }),
        }
    };
    let (l1, l2) = (factor("l1", defaults[0])?, factor("l2", defaults[1])?);
    let r = match args {
        ["l1"] => Regularizer::L1(l1),
        ["l2"] => Regularizer::L2(l2),
        _ => Regularizer::L1L2 { l1, l2 },
    };
    r.check()
        .map_err(|e| a.err(format!("argument `{key}`: {e}")))?;
    Ok(r)
}

/// A regularizer as Keras 3 writes it (null for none), factors in their shortest form.
pub(super) fn write(r: Option<Regularizer>) -> Value {
    match r {
        None => Value::Null,
        Some(r) => json!({
            "module": "keras.regularizers",
            "class_name": r.class_name(),
            "config": shortest_value(&r.config().into_iter().collect::<BTreeMap<_, _>>()),
            "registered_name": null,
        }),
    }
}
