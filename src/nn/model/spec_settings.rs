//! The settings a description gives by name (activations, padding) checked when it is
//! read, so one wgtrain does not have is reported with the file and the layer rather
//! than later, when the model is built.

use super::spec::LayerSpec;
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

/// Each setting of `layer` given by name, checked: an error names the field and its value.
pub(crate) fn check_settings(layer: &LayerSpec) -> std::result::Result<(), String> {
    let activation = match layer {
        LayerSpec::Dense { activation, .. }
        | LayerSpec::Conv2D { activation, .. }
        | LayerSpec::Activation { activation } => Some(activation),
        _ => None,
    };
    if let Some(a) = activation {
        check_activation(a).map_err(|e| format!("field `activation`: {e}"))?;
    }
    if let LayerSpec::Conv2D { padding, .. } = layer {
        if padding.parse::<Padding>().is_err() {
            return Err(format!(
                "field `padding`: \"{}\" is not supported; use \"valid\" or \"same\"",
                crate::echo::clip(padding)
            ));
        }
    }
    Ok(())
}
