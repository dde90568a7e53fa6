//! The settings a description gives by name (activations, padding) and its sizes checked
//! when it is read, so one wgtrain does not have is reported with the file and the layer
//! rather than later, when the model is built.

use super::{LayerSpec, Pair};
use crate::geometry::Padding;
use crate::nn::Activation;

/// The activations wgtrain has, by their Keras names.
pub(crate) const ACTIVATIONS: &str = "relu, sigmoid, tanh, gelu, leaky_relu, softmax or linear";

/// Whether `name` is an activation wgtrain has; the error says which it has.
pub(crate) fn check_activation(name: &str) -> std::result::Result<(), String> {
    match name.parse::<Activation>() {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "\"{}\" is not supported; wgtrain's activations are {ACTIVATIONS}",
            crate::echo::clip(name)
        )),
    }
}

/// Each size of `layer` that must be at least 1 (units, filters, windows, strides), as
/// (field, smallest value).
fn sizes(layer: &LayerSpec) -> Vec<(&'static str, usize)> {
    let side = |p: &Pair| p.0.min(p.1);
    match layer {
        LayerSpec::Dense { units, .. } => vec![("units", *units)],
        LayerSpec::Conv2D {
            filters,
            kernel_size,
            strides,
            ..
        } => vec![
            ("filters", *filters),
            ("kernel_size", side(kernel_size)),
            ("strides", side(strides)),
        ],
        LayerSpec::MaxPooling2D {
            pool_size, strides, ..
        }
        | LayerSpec::AveragePooling2D {
            pool_size, strides, ..
        } => {
            let mut v = vec![("pool_size", side(pool_size))];
            v.extend(strides.as_ref().map(|s| ("strides", side(s))));
            v
        }
        _ => Vec::new(),
    }
}

/// Each setting of `layer` given by name, and each size, checked: an error names the
/// field and its value.
pub(crate) fn check_settings(layer: &LayerSpec) -> std::result::Result<(), String> {
    if let Some((field, _)) = sizes(layer).into_iter().find(|(_, v)| *v == 0) {
        return Err(format!("field `{field}` must be at least 1"));
    }
    let activation = match layer {
        LayerSpec::Dense { activation, .. }
        | LayerSpec::Conv2D { activation, .. }
        | LayerSpec::Activation { activation } => Some(activation),
        _ => None,
    };
    if let Some(a) = activation {
        check_activation(a).map_err(|e| format!("field `activation`: {e}"))?;
    }
    if let LayerSpec::Conv2D { padding, .. }
    | LayerSpec::MaxPooling2D { padding, .. }
    | LayerSpec::AveragePooling2D { padding, .. } = layer
    {
        if padding.parse::<Padding>().is_err() {
            return Err(format!(
                "field `padding`: \"{}\" is not supported; use \"valid\" or \"same\"",
                crate::echo::clip(padding)
            ));
        }
    }
    Ok(())
}
