//! JSON read strictly, for files users write or hand over (model descriptions, checkpoint
//! metadata): a key given twice in one object is an error (serde_json keeps the last one
//! silently), and a leading UTF-8 byte-order mark gets a message that says so. Nesting is
//! bounded by serde_json's recursion limit, so hostile input cannot exhaust the stack.

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parse `text` as one JSON value, refusing duplicate keys and a byte-order mark. The
/// error says what is wrong and where (line and column).
pub fn parse(text: &str) -> Result<Value, String> {
    if text.starts_with('\u{feff}') {
        return Err(
            "the text starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 \
                    without a BOM"
                .into(),
        );
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let v = StrictValue
        .deserialize(&mut de)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(v)
}

/// Parse `text` strictly into `T`.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(parse(text)?).map_err(|e| e.to_string())
}

/// Parse `text` strictly into `T` whose numbers are 32-bit floats (or integers): a number
/// beyond f32's range is refused naming its field, rather than becoming infinity (which
/// JSON cannot write back) or a confusing `invalid type: null` later.
pub fn from_str_f32<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let v = parse(text)?;
    check_f32_range(&v)?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// Every number in `v` must fit a 32-bit float (|x| ≤ 3.4028235e38); the error names the
/// first that does not by its path (`layers[0].Dropout.rate`).
pub fn check_f32_range(v: &Value) -> Result<(), String> {
    match first_out_of_f32(v, &mut String::new()) {
        None => Ok(()),
        Some((path, x)) => Err(format!(
            "field `{path}`: {x:e} is beyond the range of a 32-bit float (±{:e}); use a \
             number within it",
            f32::MAX
        )),
    }
}

fn first_out_of_f32(v: &Value, path: &mut String) -> Option<(String, f64)> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|x| x.abs() > f32::MAX as f64)
            .map(|x| (path.clone(), x)),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = first_out_of_f32(x, path);
            path.truncate(len);
            found
        }),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&crate::echo::clip(k));
            let found = first_out_of_f32(x, path);
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element_seed(StrictValue)? {
            v.push(x);
        }
        Ok(Value::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if m.contains_key(&k) {
                return Err(A::Error::custom(format!(
                    "duplicate key `{}` (each key may appear once in an object)",
                    crate::echo::clip(&k)
                )));
            }
            let v = map.next_value_seed(StrictValue)?;
            m.insert(k, v);
        }
        Ok(Value::Object(m))
    }
}
