//! Training settings as plain data, below both the kernels (`ops`, `cpu`) that read them
//! and the Keras-style model (`nn`) that carries them: the optimizers' hyper-parameters, the
//! learning-rate schedules and gradient clipping. Users reach them through `nn` and the
//! prelude.

mod adam;
mod clip;
mod rmsprop;
mod schedule;
mod sgd;

pub use adam::{AdamParams, EpsilonForm};
pub use clip::GradientClip;
pub use rmsprop::RmsPropParams;
pub use schedule::LearningRateSchedule;
pub use sgd::SgdParams;
