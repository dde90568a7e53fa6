//! The commands' `--json` lines with each result in its shortest form: the results are
//! f32s, and `serde_json::json!` widens an f32 to the f64 `0.9445000290870667`; written
//! back as the f32's shortest decimal (`0.9445`) it reads back to the same f32.

use serde_json::Value;

/// `v` with every number that is exactly an f32 written as that f32's shortest decimal.
/// A genuine f64 (seconds, say) is exactly an f32 only when it has at most 24
/// significant bits, and then both forms print alike.
pub fn shortest_f32s(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() && x.is_finite() && (x as f32) as f64 == x => {
                let text = serde_json::to_string(&(x as f32)).unwrap_or_default();
                serde_json::from_str(&text).unwrap_or(Value::Number(n))
            }
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(shortest_f32s).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, shortest_f32s(v))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::shortest_f32s;
    use serde_json::json;

    #[test]
    fn widened_f32s_are_written_shortest_and_f64s_are_kept() {
        let v = json!({
            "accuracy": 0.9445f32,
            "losses": [0.9f32, 1.0e-7f32, -3.25f32],
            "seconds": 0.151787498f64,
            "samples": 10000,
            "none": null,
        });
        assert_eq!(
            shortest_f32s(v).to_string(),
            r#"{"accuracy":0.9445,"losses":[0.9,1e-7,-3.25],"none":null,"samples":10000,"seconds":0.151787498}"#
        );
    }
}
