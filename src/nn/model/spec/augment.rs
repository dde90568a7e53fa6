//! The arguments of Keras's augmentation layers (RandomFlip, RandomTranslation,
//! RandomRotation, RandomZoom), with Keras's defaults, each checked by `check` as a
//! description is read (its message names the field), and turned into the op's
//! [`Augment`] by `augment`.

use serde::{Deserialize, Serialize};

use crate::cpu::augment::{Augment, FillMode, Interpolation, Transform};

/// A random factor as Keras takes it: one number f (drawn from [−|f|, |f|]) or a pair
/// [low, high] (drawn from between them, in either order).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Factor {
    /// The range [−|f|, |f|].
    One(f32),
    /// The range between the two.
    Range([f32; 2]),
}

impl Factor {
    /// (low, high), as Keras normalises the factor.
    pub fn range(&self) -> (f32, f32) {
        match *self {
            Factor::One(f) => (-f.abs(), f.abs()),
            Factor::Range([a, b]) => (a.min(b), a.max(b)),
        }
    }

    /// What is wrong with the factor `field`, whose values must lie in [−1, 1] (in (−1, 1]
    /// when `open_low`).
    fn check(&self, field: &str, open_low: bool) -> Option<String> {
        let values = match *self {
            Factor::One(f) => vec![f],
            Factor::Range([a, b]) => vec![a, b],
        };
        let bad = |v: &f32| !v.is_finite() || *v > 1.0 || *v < -1.0 || (open_low && *v <= -1.0);
        values.iter().any(bad).then(|| {
            let within = if open_low { "(-1, 1]" } else { "[-1, 1]" };
            let got = match *self {
                Factor::One(f) => f.to_string(),
                Factor::Range([a, b]) => format!("[{a}, {b}]"),
            };
            format!("field `{field}` must be a number or [low, high] within {within}, got {got}")
        })
    }
}

impl From<f32> for Factor {
    fn from(f: f32) -> Factor {
        Factor::One(f)
    }
}

impl From<(f32, f32)> for Factor {
    fn from((a, b): (f32, f32)) -> Factor {
        Factor::Range([a, b])
    }
}

fn hv() -> String {
    "horizontal_and_vertical".into()
}
fn reflect() -> String {
    "reflect".into()
}
fn bilinear() -> String {
    "bilinear".into()
}

/// The Keras flip modes.
pub const FLIP_MODES: &str = "\"horizontal\", \"vertical\" or \"horizontal_and_vertical\"";
/// The Keras fill modes.
pub const FILL_MODES: &str = "\"reflect\", \"wrap\", \"constant\" or \"nearest\"";

/// `RandomFlip`'s arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomFlipArgs {
    /// "horizontal", "vertical" or "horizontal_and_vertical" (the default: both axes
    /// flipped together on one draw, as Keras 3).
    #[serde(default = "hv")]
    pub mode: String,
    /// Keras's `seed`: this layer's draws come from it alone; absent, from the model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// How a transforming layer samples: Keras's `fill_mode`, `interpolation`, `fill_value`
/// and `seed`, the same fields on RandomTranslation, RandomRotation and RandomZoom.
macro_rules! sampling_args {
    ($(#[$doc:meta])* $name:ident { $($(#[$fattr:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fattr])* pub $field: $ty,)*
            /// Outside the image: "reflect" (the default), "wrap", "constant" or "nearest".
            #[serde(default = "reflect")]
            pub fill_mode: String,
            /// "bilinear" (the default) or "nearest".
            #[serde(default = "bilinear")]
            pub interpolation: String,
            /// Keras's `seed`: this layer's draws come from it alone; absent, from the
            /// model's.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub seed: Option<u64>,
            /// The value outside the image with fill_mode "constant" (0 by default).
            #[serde(default)]
            pub fill_value: f32,
        }
    };
}

sampling_args!(
    /// `RandomTranslation`'s arguments.
    RandomTranslationArgs {
        /// Vertical shift as a fraction of the height.
        height_factor: Factor,
        /// Horizontal shift as a fraction of the width.
        width_factor: Factor,
    }
);

sampling_args!(
    /// `RandomRotation`'s arguments.
    RandomRotationArgs {
        /// The angle as a fraction of a full turn (positive: counter-clockwise).
        factor: Factor,
    }
);

sampling_args!(
    /// `RandomZoom`'s arguments.
    RandomZoomArgs {
        /// Vertical zoom: the image is scaled by 1 + a draw (positive: zoom out).
        height_factor: Factor,
        /// Horizontal zoom; absent, the height's draw (the aspect ratio kept).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width_factor: Option<Factor>,
    }
);

/// The sampling of `fill_mode` / `interpolation` / `fill_value`, or what is wrong.
fn sampling(fill: &str, interp: &str, value: f32) -> Result<(FillMode, Interpolation), String> {
    let fill = match fill {
        "reflect" => FillMode::Reflect,
        "wrap" => FillMode::Wrap,
        "constant" => FillMode::Constant,
        "nearest" => FillMode::Nearest,
        _ => {
            return Err(format!(
                "field `fill_mode` must be {FILL_MODES}, got {fill:?}"
            ))
        }
    };
    let interp = match interp {
        "bilinear" => Interpolation::Bilinear,
        "nearest" => Interpolation::Nearest,
        _ => {
            return Err(format!(
                "field `interpolation` must be \"bilinear\" or \"nearest\", got {interp:?}"
            ))
        }
    };
    if !value.is_finite() {
        return Err(format!(
            "field `fill_value` must be a finite number, got {value}"
        ));
    }
    Ok((fill, interp))
}

fn op(
    transform: Transform,
    (fill_mode, interpolation): (FillMode, Interpolation),
    v: f32,
) -> Augment {
    Augment {
        transform,
        fill_mode,
        interpolation,
        fill_value: v,
    }
}

impl RandomFlipArgs {
    /// The op, or what is wrong naming the field.
    pub(crate) fn augment(&self) -> Result<Augment, String> {
        let (horizontal, vertical) = match self.mode.as_str() {
            "horizontal" => (true, false),
            "vertical" => (false, true),
            "horizontal_and_vertical" => (true, true),
            m => return Err(format!("field `mode` must be {FLIP_MODES}, got {m:?}")),
        };
        let t = Transform::Flip {
            horizontal,
            vertical,
        };
        Ok(op(t, (FillMode::Reflect, Interpolation::Nearest), 0.0))
    }
}

impl RandomTranslationArgs {
    /// The op, or what is wrong naming the field.
    pub(crate) fn augment(&self) -> Result<Augment, String> {
        let s = sampling(&self.fill_mode, &self.interpolation, self.fill_value)?;
        for (f, name) in [
            (self.height_factor, "height_factor"),
            (self.width_factor, "width_factor"),
        ] {
            if let Some(e) = f.check(name, false) {
                return Err(e);
            }
        }
        let t = Transform::Translate {
            height: self.height_factor.range(),
            width: self.width_factor.range(),
        };
        Ok(op(t, s, self.fill_value))
    }
}

impl RandomRotationArgs {
    /// The op, or what is wrong naming the field.
    pub(crate) fn augment(&self) -> Result<Augment, String> {
        let s = sampling(&self.fill_mode, &self.interpolation, self.fill_value)?;
        if let Some(e) = self.factor.check("factor", false) {
            return Err(e);
        }
        let t = Transform::Rotate {
            turns: self.factor.range(),
        };
        Ok(op(t, s, self.fill_value))
    }
}

impl RandomZoomArgs {
    /// The op, or what is wrong naming the field.
    pub(crate) fn augment(&self) -> Result<Augment, String> {
        let s = sampling(&self.fill_mode, &self.interpolation, self.fill_value)?;
        if let Some(e) = self.height_factor.check("height_factor", true) {
            return Err(e);
        }
        if let Some(e) = self
            .width_factor
            .and_then(|f| f.check("width_factor", true))
        {
            return Err(e);
        }
        let t = Transform::Zoom {
            height: self.height_factor.range(),
            width: self.width_factor.map(|f| f.range()),
        };
        Ok(op(t, s, self.fill_value))
    }
}
