//! Layer names as Keras gives them: a layer named by the user keeps its name, any other
//! gets its class in snake case numbered by kind (`dense`, `dense_1`, …, skipping names
//! already taken), and every name in a model is unique. A description stores a name only
//! where it differs from the one that would be generated, so a model built in Rust and
//! one read back from its own files describe themselves the same way.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{LayerSpec, ModelSpec};

/// The longest layer name kept (Keras sets no limit; names are words, not text).
pub const MAX_LAYER_NAME_CHARS: usize = 256;

/// Keras's snake case of a class name: "MaxPooling2D" → "max_pooling2d", "Conv2D" → "conv2d".
pub(crate) fn keras_name(kind: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in kind.chars() {
        if ch.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = ch.is_ascii_lowercase();
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// A name a layer may have, or why not (Keras refuses `/` in names; an empty name or a
/// control character cannot be shown).
pub(crate) fn check_name(name: &str) -> std::result::Result<(), String> {
    let len = name.chars().count();
    if name.is_empty() {
        Err("a layer name must not be empty".into())
    } else if len > MAX_LAYER_NAME_CHARS {
        Err(format!(
            "a layer name has at most {MAX_LAYER_NAME_CHARS} characters, this one {len}"
        ))
    } else if name.contains('/') {
        Err(format!(
            "the layer name \"{}\" contains `/`, which Keras does not allow in names",
            crate::echo::clip(name)
        ))
    } else if name.chars().any(char::is_control) {
        Err("a layer name must not contain control characters".into())
    } else {
        Ok(())
    }
}

/// Hands out a model's layer names in order: generated ones numbered per kind, given ones
/// checked to be unique. Linear in the layer count.
#[derive(Clone, Debug, Default)]
pub(crate) struct Namer {
    /// Generated names of each kind so far (the next number to try).
    counts: HashMap<String, usize>,
    /// Every name handed out, and the layer that has it.
    taken: HashMap<String, usize>,
    layers: usize,
}

impl Namer {
    /// The name the next layer of `kind` would be generated, without taking it.
    fn peek(&self, kind: &str) -> (String, usize) {
        let base = keras_name(kind);
        let mut n = self.counts.get(kind).copied().unwrap_or(0);
        loop {
            let name = match n {
                0 => base.clone(),
                n => format!("{base}_{n}"),
            };
            if !self.taken.contains_key(&name) {
                return (name, n);
            }
            n += 1;
        }
    }

    /// Whether `name` may be the next layer's: a valid name not yet taken (the error
    /// says which layer has it).
    pub(crate) fn check(&self, name: &str) -> std::result::Result<(), String> {
        check_name(name)?;
        match self.taken.get(name) {
            Some(other) => Err(format!(
                "the name \"{}\" is already layer {other}'s; Keras requires every layer of \
                 a model to have its own name",
                crate::echo::clip(name)
            )),
            None => Ok(()),
        }
    }

    /// The next layer's name: `given`, or generated from `kind`. A given name that is
    /// not a valid name or is already taken is an error saying so (and by which layer).
    pub(crate) fn next(
        &mut self,
        kind: &str,
        given: Option<&str>,
    ) -> std::result::Result<String, String> {
        let name = match given {
            Some(g) => {
                self.check(g)?;
                // A given name that is also the generated one counts as generated.
                let (auto, n) = self.peek(kind);
                if auto == g {
                    self.counts.insert(kind.to_string(), n + 1);
                }
                g.to_string()
            }
            None => {
                let (auto, n) = self.peek(kind);
                self.counts.insert(kind.to_string(), n + 1);
                auto
            }
        };
        self.taken.insert(name.clone(), self.layers);
        self.layers += 1;
        Ok(name)
    }

    /// Like [`next`](Self::next) with a name that is there (a built model's), returning
    /// it only if it differs from the generated one: how a description stores it.
    pub(crate) fn stored(&mut self, kind: &str, name: &str) -> Option<String> {
        let auto = self.peek(kind).0 == name;
        // A built model's names are valid and unique, so this does not fail.
        let _ = self.next(kind, Some(name));
        (!auto).then(|| name.to_string())
    }
}

/// The class a layer's name is generated from (a custom layer's own class name).
pub(crate) fn spec_kind(l: &LayerSpec) -> &str {
    match l {
        LayerSpec::Custom { class_name, .. } => class_name,
        other => other.kind(),
    }
}

/// The names a description stores for `layers` given `given` (one per layer, or fewer:
/// the rest generated): each one checked and unique, and kept only where it differs from
/// the generated one. An error gives the layer's index and what is wrong.
pub(crate) fn canonical_names(
    layers: &[LayerSpec],
    given: &[Option<String>],
) -> std::result::Result<Vec<Option<String>>, (usize, String)> {
    let mut namer = Namer::default();
    let mut out = Vec::with_capacity(layers.len());
    for (i, l) in layers.iter().enumerate() {
        let kind = spec_kind(l);
        let g = given.get(i).and_then(Option::as_deref);
        let auto = namer.peek(kind).0;
        let name = namer.next(kind, g).map_err(|e| (i, e))?;
        out.push((name != auto).then_some(name));
    }
    Ok(trimmed(out))
}

/// Names as a description stores them: without the generated ones at the end (so no
/// list at all when every name is generated).
pub(crate) fn trimmed(mut names: Vec<Option<String>>) -> Vec<Option<String>> {
    while names.last().is_some_and(Option::is_none) {
        names.pop();
    }
    names
}

/// A layer entry of wgtrain's description (`{"Dense": {"units": 10, "name": "hidden"}}`)
/// with its `name` argument taken out.
pub(crate) fn take_name(mut l: Value) -> std::result::Result<(Value, Option<String>), String> {
    let args = l
        .as_object_mut()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.values_mut().next())
        .and_then(Value::as_object_mut);
    let name = match args.and_then(|a| a.remove("name")) {
        None => None,
        Some(Value::String(s)) => {
            check_name(&s)?;
            Some(s)
        }
        Some(v) => {
            return Err(format!(
                "field `name` must be a string, got {}",
                crate::echo::clip_display(&v)
            ))
        }
    };
    Ok((l, name))
}

impl ModelSpec {
    /// The description of `layers` taking samples of `input_shape`, each layer named as
    /// Keras would name it.
    pub fn new(input_shape: &[usize], layers: Vec<LayerSpec>) -> ModelSpec {
        ModelSpec {
            input_shape: input_shape.to_vec(),
            layers,
            names: Vec::new(),
        }
    }

    /// Every layer's name, in order: the one stored in [`names`](Self::names), or Keras's
    /// generated one (`dense`, `dense_1`, …). A stored name that is not valid or not
    /// unique (only possible in a description built in code) is replaced by a generated
    /// one; reading a description refuses it.
    pub fn layer_names(&self) -> Vec<String> {
        let mut namer = Namer::default();
        self.layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let kind = spec_kind(l);
                let given = self.names.get(i).and_then(Option::as_deref);
                namer
                    .next(kind, given)
                    .or_else(|_| namer.next(kind, None))
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The description as a JSON value: each stored name as its layer's `name` argument.
    pub(crate) fn to_value(&self) -> Value {
        let mut layers: Vec<Value> = self
            .layers
            .iter()
            .map(super::shortest::shortest_value)
            .collect();
        for (l, name) in layers.iter_mut().zip(&self.names) {
            let args = l
                .as_object_mut()
                .and_then(|o| o.values_mut().next())
                .and_then(Value::as_object_mut);
            if let (Some(args), Some(name)) = (args, name) {
                args.insert("name".into(), Value::String(name.clone()));
            }
        }
        serde_json::json!({"input_shape": self.input_shape, "layers": layers})
    }
}

/// Written as [`ModelSpec::to_json`] writes it.
impl Serialize for ModelSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

/// Read as [`ModelSpec::from_json`] reads wgtrain's description (every check included).
impl<'de> Deserialize<'de> for ModelSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        ModelSpec::from_native_json(&v, "(deserialised)").map_err(serde::de::Error::custom)
    }
}

/// How errors call a layer: by its name when it was given one (`layer "hidden" (Dense)`),
/// else by its index (`layer 3 (Dense)`).
pub(crate) fn label(index: usize, given: Option<&str>, kind: &str) -> String {
    match given {
        Some(name) => format!(
            "layer \"{}\" ({})",
            crate::echo::clip(name),
            crate::echo::clip(kind)
        ),
        None => format!("layer {index} ({})", crate::echo::clip(kind)),
    }
}
