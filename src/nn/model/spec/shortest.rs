//! Descriptions as JSON values with each f32 in its shortest form: through text, as
//! serde_json writes an f32 (`0.9`), since `serde_json::to_value` widens it to the f64
//! `0.8999999761581421`. Used by the model description and the Keras JSON writer.

use serde::Serialize;
use serde_json::Value;

/// `v` as a JSON value whose numbers read back to the same f32s, written shortest.
pub(crate) fn shortest_value(v: &impl Serialize) -> Value {
    let text = serde_json::to_string(v).expect("a description serialises");
    serde_json::from_str(&text).expect("serde_json reads what it wrote")
}
