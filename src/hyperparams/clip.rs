//! [`GradientClip`], Keras's `clipnorm` / `clipvalue`: plain data below both the optimizer
//! (which carries it) and the device's training ops (which apply it), so neither of
//! those imports the other.

use crate::error::{Error, Result};

/// Keras's gradient clipping, applied to each gradient before the update (one of the two,
/// as Keras allows): `clipnorm` scales a gradient tensor whose L2 norm is above c down to
/// norm c; `clipvalue` clamps every value into [−c, c].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GradientClip {
    /// `clipnorm`: scale a tensor's gradient down to this L2 norm when above it.
    Norm(f32),
    /// `clipvalue`: clamp every gradient value into [−c, c].
    Value(f32),
}

impl GradientClip {
    /// Its threshold must be a positive number.
    pub fn check(self) -> Result<()> {
        let (name, c) = match self {
            GradientClip::Norm(c) => ("clipnorm", c),
            GradientClip::Value(c) => ("clipvalue", c),
        };
        match c.is_finite() && c > 0.0 {
            true => Ok(()),
            false => Err(Error::BadSetting {
                name,
                value: c.to_string(),
                reason: "use a positive number".into(),
            }),
        }
    }
}
