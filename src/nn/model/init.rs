//! Keras's weight initialisers (`kernel_initializer`, `bias_initializer`): Glorot-uniform
//! for kernels and zeros for biases by default, and the others of the common tutorials,
//! with Keras's formulas. They draw from the model's seeded stream, so the same seed gives
//! the same weights on either device; Keras's own `seed` argument is not reproduced (its
//! random streams are not wgtrain's), so a Keras model's weights are carried over by
//! loading them, not by drawing them again.

use rand::rngs::StdRng;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fan_in + fan_out)), n values.
pub fn glorot_uniform(rng: &mut StdRng, n: usize, fan_in: usize, fan_out: usize) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
    (0..n).map(|_| rng.random_range(-limit..limit)).collect()
}

/// The standard deviation of a unit normal truncated to ±2 (Keras's `VarianceScaling`
/// divides by it so the truncated draw keeps the variance asked for).
pub const TRUNCATED_STDDEV: f64 = 0.879_625_661_034_239_8;

/// A weight initialiser, by Keras's name (`"he_normal"`) or with its arguments
/// (`{"random_normal": {"mean": 0, "stddev": 0.05}}`; `{"random_normal": {}}` for its
/// defaults).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Initializer {
    /// U(±√(6 / (fan_in + fan_out))): Keras's default for kernels.
    GlorotUniform,
    /// Truncated normal with variance 2 / (fan_in + fan_out).
    GlorotNormal,
    /// Truncated normal with variance 2 / fan_in.
    HeNormal,
    /// U(±√(6 / fan_in)).
    HeUniform,
    /// Truncated normal with variance 1 / fan_in.
    LecunNormal,
    /// U(±√(3 / fan_in)).
    LecunUniform,
    /// 0: Keras's default for biases.
    Zeros,
    /// 1.
    Ones,
    /// N(mean, stddev²).
    RandomNormal {
        /// The mean (0 by default).
        #[serde(default)]
        mean: f32,
        /// The standard deviation (0.05 by default).
        #[serde(default = "five_hundredths")]
        stddev: f32,
    },
    /// U(minval, maxval).
    RandomUniform {
        /// The lower bound (−0.05 by default).
        #[serde(default = "minus_five_hundredths")]
        minval: f32,
        /// The upper bound (0.05 by default).
        #[serde(default = "five_hundredths")]
        maxval: f32,
    },
    /// N(mean, stddev²) with draws beyond two standard deviations drawn again.
    TruncatedNormal {
        /// The mean (0 by default).
        #[serde(default)]
        mean: f32,
        /// The standard deviation before truncation (0.05 by default).
        #[serde(default = "five_hundredths")]
        stddev: f32,
    },
}

fn five_hundredths() -> f32 {
    0.05
}
fn minus_five_hundredths() -> f32 {
    -0.05
}

impl Initializer {
    /// Keras's class name ("HeNormal").
    pub fn class_name(self) -> &'static str {
        match self {
            Initializer::GlorotUniform => "GlorotUniform",
            Initializer::GlorotNormal => "GlorotNormal",
            Initializer::HeNormal => "HeNormal",
            Initializer::HeUniform => "HeUniform",
            Initializer::LecunNormal => "LecunNormal",
            Initializer::LecunUniform => "LecunUniform",
            Initializer::Zeros => "Zeros",
            Initializer::Ones => "Ones",
            Initializer::RandomNormal { .. } => "RandomNormal",
            Initializer::RandomUniform { .. } => "RandomUniform",
            Initializer::TruncatedNormal { .. } => "TruncatedNormal",
        }
    }

    /// Whether its arguments can be drawn from: finite, a positive spread, minval < maxval.
    pub fn check(self) -> Result<(), String> {
        let ok = match self {
            Initializer::RandomNormal { mean, stddev }
            | Initializer::TruncatedNormal { mean, stddev } => {
                mean.is_finite() && stddev.is_finite() && stddev > 0.0
            }
            Initializer::RandomUniform { minval, maxval } => {
                minval.is_finite() && maxval.is_finite() && minval < maxval
            }
            _ => true,
        };
        match ok {
            true => Ok(()),
            false => Err(format!(
                "{self:?}: the arguments must be finite, with stddev > 0 or minval < maxval"
            )),
        }
    }

    /// n values for a weight with these fans (Keras: a kernel's fan_in is its inputs times
    /// the window, fan_out its outputs times the window; a bias's are both its length).
    /// Zeros and Ones draw nothing from `rng`.
    pub fn draw(self, rng: &mut StdRng, n: usize, fan_in: usize, fan_out: usize) -> Vec<f32> {
        let (fi, fo) = (fan_in.max(1) as f64, fan_out.max(1) as f64);
        // VarianceScaling: scale / n, n the fans as the mode says.
        let truncated = |rng: &mut StdRng, var: f64| {
            let sd = var.sqrt() / TRUNCATED_STDDEV;
            (0..n).map(|_| (truncated_unit(rng) * sd) as f32).collect()
        };
        let uniform = |rng: &mut StdRng, var: f64| {
            let limit = (3.0 * var).sqrt() as f32;
            (0..n).map(|_| rng.random_range(-limit..limit)).collect()
        };
        match self {
            Initializer::GlorotUniform => glorot_uniform(rng, n, fan_in, fan_out),
            Initializer::GlorotNormal => truncated(rng, 2.0 / (fi + fo)),
            Initializer::HeNormal => truncated(rng, 2.0 / fi),
            Initializer::HeUniform => uniform(rng, 2.0 / fi),
            Initializer::LecunNormal => truncated(rng, 1.0 / fi),
            Initializer::LecunUniform => uniform(rng, 1.0 / fi),
            Initializer::Zeros => vec![0.0; n],
            Initializer::Ones => vec![1.0; n],
            Initializer::RandomNormal { mean, stddev } => (0..n)
                .map(|_| (mean as f64 + stddev as f64 * unit_normal(rng)) as f32)
                .collect(),
            Initializer::RandomUniform { minval, maxval } => {
                (0..n).map(|_| rng.random_range(minval..maxval)).collect()
            }
            Initializer::TruncatedNormal { mean, stddev } => (0..n)
                .map(|_| (mean as f64 + stddev as f64 * truncated_unit(rng)) as f32)
                .collect(),
        }
    }
}

/// A standard normal draw (Box–Muller).
fn unit_normal(rng: &mut StdRng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: the log is finite
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A standard normal draw within ±2, drawn again until it is.
fn truncated_unit(rng: &mut StdRng) -> f64 {
    loop {
        let z = unit_normal(rng);
        if z.abs() <= 2.0 {
            return z;
        }
    }
}
