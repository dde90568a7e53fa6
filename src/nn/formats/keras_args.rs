//! Reading one Keras layer's `config` for [`super::keras_json`]: arguments consumed one
//! by one, each checked (numbers, sizes, names, initializers), and whatever is left must
//! be switched off; values quoted in errors are clipped.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::nn::model::init::Initializer;
use crate::nn::model::spec::names::{check_name, label};
use crate::nn::model::spec::Pair;

/// One layer's `config`, consumed argument by argument; what is left must be off.
pub(super) struct Args<'a> {
    pub(super) cfg: &'a Map<String, Value>,
    pub(super) used: HashSet<&'a str>,
    pub(super) class: &'a str,
    pub(super) at: String,
    /// Read to run weights trained elsewhere: what only matters for training (an
    /// initializer, a regularizer, a constraint, `trainable`) is accepted and listed in
    /// `ignored` instead of refused.
    pub(super) inference: bool,
    pub(super) ignored: Vec<String>,
}

/// Whether an argument only matters when training (so not for running trained weights).
fn training_only(key: &str) -> bool {
    key == "trainable"
        || key.ends_with("_initializer")
        || key.ends_with("_regularizer")
        || key.ends_with("_constraint")
}

impl<'a> Args<'a> {
    pub(super) fn err(&self, msg: impl std::fmt::Display) -> Error {
        Error::FileFormat {
            path: self.at.clone(),
            detail: msg.to_string(),
        }
    }

    /// `feature` (an argument and its value, a class) is not implemented; `reason` says
    /// what wgtrain does instead.
    pub(super) fn unsupported(&self, feature: String, reason: impl Into<String>) -> Error {
        Error::Unsupported {
            context: self.at.clone(),
            feature,
            reason: reason.into(),
        }
    }

    pub(super) fn get(&mut self, key: &'a str) -> Option<&'a Value> {
        self.used.insert(key);
        self.cfg.get(key).filter(|v| !v.is_null())
    }

    pub(super) fn required(&mut self, key: &'a str) -> Result<&'a Value> {
        self.get(key)
            .ok_or_else(|| self.err(format!("argument `{key}` is missing")))
    }

    /// A count of at least 1 (units, filters).
    pub(super) fn count(&mut self, key: &'a str) -> Result<usize> {
        let v = self.required(key)?;
        match as_count(v) {
            Some(0) => Err(self.err(format!("argument `{key}` must be at least 1, got 0"))),
            Some(n) => Ok(n),
            None => Err(self.err(format!(
                "argument `{key}` must be a whole number, got {}",
                short(v)
            ))),
        }
    }

    /// An activation by its Keras name, one wgtrain has.
    pub(super) fn activation(&mut self, key: &'a str, default: &str) -> Result<String> {
        let name = self.string(key, default)?;
        match crate::nn::model::spec::settings::check_activation(&name) {
            Ok(()) => Ok(name),
            Err(_) => Err(self.unsupported(
                format!("argument `{key}` = \"{}\"", crate::echo::clip(&name)),
                format!(
                    "wgtrain's activations are {}",
                    crate::nn::model::spec::settings::ACTIVATIONS
                ),
            )),
        }
    }

    pub(super) fn pair(&mut self, key: &'a str) -> Result<Option<Pair>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let pair = match v {
            Value::Array(a) if a.len() == 2 => as_count(&a[0]).zip(as_count(&a[1])),
            one => as_count(one).map(|n| (n, n)),
        };
        match pair {
            Some((h, w)) if h == 0 || w == 0 => Err(self.err(format!(
                "argument `{key}` must be at least 1 on each side, got {}",
                short(v)
            ))),
            Some((h, w)) => Ok(Some(Pair(h, w))),
            None => Err(self.err(format!("`{key}` must be [height, width], got {}", short(v)))),
        }
    }

    pub(super) fn number(&mut self, key: &'a str, default: f32) -> Result<f32> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_f64()
                .map(|x| x as f32)
                .ok_or_else(|| self.err(format!("`{key}` must be a number, got {}", short(v)))),
        }
    }

    pub(super) fn boolean(&mut self, key: &'a str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| {
                self.err(format!("`{key}` must be true or false, got {}", short(v)))
            }),
        }
    }

    pub(super) fn string(&mut self, key: &'a str, default: &str) -> Result<String> {
        match self.get(key) {
            None => Ok(default.to_string()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(self.err(format!(
                "`{key}` is {}; wgtrain reads activations and settings given by name (a \
                 string), not custom objects",
                short(v)
            ))),
        }
    }

    /// `key` must be absent or `want`; `supported` says what wgtrain does instead.
    pub(super) fn expect(&mut self, key: &'a str, want: Value, supported: &str) -> Result<()> {
        match self.get(key) {
            Some(v) if *v != want => {
                Err(self.unsupported(format!("argument `{key}` = {}", short(v)), supported))
            }
            _ => Ok(()),
        }
    }

    /// An initializer argument must name Keras's default (its seed is not used).
    pub(super) fn initializer(&mut self, key: &'a str, default: &str) -> Result<()> {
        let Some(v) = self.get(key) else {
            return Ok(());
        };
        let name = v
            .get("class_name")
            .and_then(Value::as_str)
            .or(v.as_str())
            .unwrap_or_default();
        let snake = name.replace('_', "").to_ascii_lowercase();
        if snake == default.to_ascii_lowercase() {
            Ok(())
        } else if self.inference {
            self.ignored.push(format!("`{key}` = {}", short(v)));
            Ok(())
        } else {
            Err(self.unsupported(
                format!("argument `{key}` = {}", short(v)),
                format!("wgtrain initialises it as Keras's default, {default}"),
            ))
        }
    }

    /// A layer's `seed` (Keras's int or null): `None` when absent or null.
    pub(super) fn seed(&mut self) -> Result<Option<u64>> {
        match self.get("seed") {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                self.err(format!(
                    "`seed` must be a whole number ≥ 0 or null, got {}",
                    short(v)
                ))
            }),
        }
    }

    /// A weight initialiser: a name (`"he_normal"`) or Keras's object (`{"class_name":
    /// "HeNormal", "config": {"seed": null}}`). Its seed is not used (wgtrain draws from the
    /// model's seeded stream).
    pub(super) fn init(&mut self, key: &'a str, default: Initializer) -> Result<Initializer> {
        let Some(v) = self.get(key) else {
            return Ok(default);
        };
        let (class, config) = match v {
            Value::String(s) => (s.as_str(), None),
            o => (
                o.get("class_name").and_then(Value::as_str).unwrap_or("?"),
                o.get("config").and_then(Value::as_object),
            ),
        };
        let refuse =
            |why: String| self.unsupported(format!("argument `{key}` = {}", short(v)), why);
        let mut read = vec!["seed", "input_axes", "output_axes"];
        let mut num = |k: &'static str, d: f32| -> Result<f32> {
            read.push(k);
            match config.and_then(|c| c.get(k)).filter(|x| !x.is_null()) {
                None => Ok(d),
                Some(x) => x
                    .as_f64()
                    .map(|x| x as f32)
                    .ok_or_else(|| self.err(format!("`{key}`: `{k}` must be a number"))),
            }
        };
        use Initializer as I;
        let init = match class.replace('_', "").to_ascii_lowercase().as_str() {
            "glorotuniform" => I::GlorotUniform,
            "glorotnormal" => I::GlorotNormal,
            "henormal" => I::HeNormal,
            "heuniform" => I::HeUniform,
            "lecunnormal" => I::LecunNormal,
            "lecununiform" => I::LecunUniform,
            "zeros" | "zero" => I::Zeros,
            "ones" | "one" => I::Ones,
            "randomnormal" => I::RandomNormal {
                mean: num("mean", 0.0)?,
                stddev: num("stddev", 0.05)?,
            },
            "randomuniform" => I::RandomUniform {
                minval: num("minval", -0.05)?,
                maxval: num("maxval", 0.05)?,
            },
            "truncatednormal" => I::TruncatedNormal {
                mean: num("mean", 0.0)?,
                stddev: num("stddev", 0.05)?,
            },
            _ => {
                return Err(refuse(
                    "wgtrain draws glorot_uniform, glorot_normal, he_normal, he_uniform, \
                     lecun_normal, lecun_uniform, zeros, ones, random_normal, random_uniform \
                     and truncated_normal"
                        .into(),
                ))
            }
        };
        if let Some((k, _)) = config
            .into_iter()
            .flatten()
            .find(|(k, x)| !x.is_null() && !read.contains(&k.as_str()))
        {
            return Err(refuse(format!(
                "wgtrain's {} has no argument `{k}`",
                init.class_name()
            )));
        }
        init.check()
            .map_err(|e| self.err(format!("`{key}`: {e}")))?;
        Ok(init)
    }

    pub(super) fn channels_last(&mut self) -> Result<()> {
        self.expect(
            "data_format",
            json!("channels_last"),
            "wgtrain's images are channels_last, [height, width, channels]",
        )
    }

    /// Arguments not read: the layer's name, its dtype (float32 only), `trainable` (true
    /// only), and switched-off features (null or false). Anything else is refused (a
    /// `seed` too: a layer that takes one reads it, so none is silently ignored), except,
    /// when reading for inference, what only matters for training.
    pub(super) fn finish(&mut self) -> Result<()> {
        for (k, v) in self.cfg {
            let off = v.is_null() || *v == Value::Bool(false);
            if self.used.contains(k.as_str()) || (off && k != "trainable") {
                continue;
            }
            match k.as_str() {
                "trainable" if *v == Value::Bool(true) => {}
                k if self.inference && training_only(k) => {
                    self.ignored.push(format!("`{k}` = {}", short(v)));
                }
                "name" => {}
                "trainable" => {
                    return Err(self.unsupported(
                        "`trainable: false` (a frozen layer)".into(),
                        "wgtrain freezes Dense and Conv2D layers only",
                    ))
                }
                "dtype" if is_float32(v) => {}
                "dtype" => {
                    return Err(self
                        .unsupported(format!("dtype {}", short(v)), "wgtrain computes in float32"))
                }
                _ => {
                    return Err(self.unsupported(
                        format!("argument `{k}` = {}", short(v)),
                        format!("wgtrain's {} does not have it", self.class),
                    ))
                }
            }
        }
        Ok(())
    }

    /// What reading for inference let through on this layer, as a note naming it.
    pub(super) fn ignored_note(&self) -> Option<String> {
        (!self.ignored.is_empty()).then(|| {
            format!(
                "{}: {}: used only in training, so ignored (the weights are loaded)",
                self.at,
                self.ignored.join(", ")
            )
        })
    }
}

/// A Keras layer's `name` (`None` without one), checked: a string, a name Keras allows,
/// and (but for the InputLayer's) not the name of an earlier layer (`seen`: each name so
/// far and its class). The error is the detail of a message about the file.
pub(super) fn layer_name<'v>(
    cfg: &'v Map<String, Value>,
    k: usize,
    class: &str,
    seen: &mut HashMap<String, String>,
) -> std::result::Result<Option<&'v str>, String> {
    let at = || label(k, None, class);
    let name = match cfg.get("name") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(n)) => n.as_str(),
        Some(other) => {
            return Err(format!(
                "{}: `name` must be a string, got {}",
                at(),
                short(other)
            ))
        }
    };
    if class == "InputLayer" {
        return Ok(Some(name));
    }
    check_name(name).map_err(|e| format!("{}: {e}", at()))?;
    match seen.insert(name.to_string(), class.to_string()) {
        Some(other) => Err(format!(
            "two layers are named \"{}\" (a {} and this {}); Keras requires every layer of \
             a model to have its own name",
            crate::echo::clip(name),
            crate::echo::clip(&other),
            crate::echo::clip(class)
        )),
        None => Ok(Some(name)),
    }
}

/// A value as JSON text for a message, clipped (it may be a huge array).
pub(super) fn short(v: &Value) -> String {
    crate::echo::clip_display(v)
}

fn as_count(v: &Value) -> Option<usize> {
    v.as_u64().and_then(|n| usize::try_from(n).ok())
}

fn is_float32(v: &Value) -> bool {
    let name = v
        .pointer("/config/name")
        .and_then(Value::as_str)
        .or(v.as_str());
    name == Some("float32")
}

/// The per-sample shape from a Keras batch shape `[null, d1, d2, …]`.
pub(super) fn sample_shape(v: &Value, at: &str) -> Result<Vec<usize>> {
    let bad = || Error::FileFormat {
        path: at.to_string(),
        detail: format!(
            "the input shape {} must be [null, sizes…] with every size a whole number \
             (wgtrain's models take inputs of one fixed shape)",
            short(v)
        ),
    };
    let a = v.as_array().ok_or_else(bad)?;
    match a.split_first() {
        Some((first, rest)) if first.is_null() || as_count(first).is_some() => {
            rest.iter().map(|d| as_count(d).ok_or_else(bad)).collect()
        }
        _ => Err(bad()),
    }
}
