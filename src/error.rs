//! The crate's error type: every fallible library call returns `wgtrain::Result`.
//! Messages name the shapes, sizes or files involved and, where there is one, the fix.

use thiserror::Error;

/// Everything that can go wrong in wgtrain that is not a bug.
#[derive(Error)]
pub enum Error {
    /// No GPU adapter matched the request.
    #[error(
        "no GPU adapter found{detail}. wgtrain needs a Vulkan, Metal, DX12 or GL driver. \
         On Linux without a GPU install Mesa's software Vulkan driver (lavapipe): \
         `sudo apt-get install mesa-vulkan-drivers`. \
         Check what wgpu sees with WGPU_BACKEND / WGTRAIN_BACKEND unset, \
         or run the tests with WGTRAIN_SKIP_GPU_TESTS=1 to skip GPU tests explicitly."
    )]
    NoAdapter { detail: String },

    /// The environment asked for something that does not exist.
    #[error("invalid setting {name}={:?}: {reason}", crate::echo::clip(value))]
    BadSetting {
        name: &'static str,
        value: String,
        reason: String,
    },

    /// The adapter refused to create a device.
    #[error("the adapter {adapter:?} could not create a device: {reason}")]
    DeviceRequest { adapter: String, reason: String },

    /// A tensor does not fit in one storage-buffer binding on this adapter.
    #[error(
        "tensor {what} of shape {shape:?} needs {bytes} bytes, over this adapter's \
         max_storage_buffer_binding_size of {limit} bytes ({adapter}); use a smaller batch \
         or split the tensor"
    )]
    TensorTooLarge {
        what: String,
        shape: Vec<usize>,
        bytes: u64,
        limit: u64,
        adapter: String,
    },

    /// Something would need more memory than there is; found before allocating.
    #[error(
        "{what} needs {} ({bytes} bytes), more than {limit_name} ({}); {fix}",
        crate::units::human(*bytes),
        crate::units::human(*limit)
    )]
    TooLarge {
        what: String,
        bytes: u128,
        limit: u128,
        limit_name: String,
        fix: String,
    },

    /// Two shapes that must agree do not.
    #[error("shape mismatch in {op}: {detail}")]
    Shape { op: &'static str, detail: String },

    /// A tensor of one device handed to another (a GPU model's tensor to a CPU model's
    /// op, or an index tensor where values are needed).
    #[error(
        "{op}: expected {expected} but got {found}; tensors of a GPU model and a CPU model \
         cannot be mixed — upload the data through the model's own device"
    )]
    WrongTensor {
        op: &'static str,
        expected: &'static str,
        found: &'static str,
    },

    /// A dispatch would need more workgroups than the adapter allows.
    #[error(
        "{kernel} needs {groups} workgroups in one dimension, over the adapter limit of {limit}; \
         use a smaller batch"
    )]
    TooManyWorkgroups {
        kernel: &'static str,
        groups: u64,
        limit: u32,
    },

    /// A model that cannot be built, compiled or run as described (names the layer).
    #[error("{0}")]
    Model(String),

    /// A data file that is missing, truncated or malformed (names the file and the fix).
    #[error("{path}: {detail}")]
    Data { path: String, detail: String },

    /// A file that could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file could not be written (disk full, permissions, a folder in the way); what
    /// was there before is unchanged, since writes go through a temporary file.
    #[error(
        "{} was not written ({source}); what it held before is unchanged (free some disk \
         space or fix the folder, then run again)",
        path.display()
    )]
    NotSaved {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Training produced a NaN or infinite loss.
    #[error(
        "loss became {value} in epoch {epoch} (by step {step}); training stopped. Lower the \
         learning rate, check the inputs for NaN/inf, or scale them to [0, 1]"
    )]
    NonFiniteLoss {
        epoch: usize,
        step: usize,
        value: f32,
    },

    /// The driver's validation layer reported a problem (only with `WGTRAIN_VALIDATION=1`).
    #[error(
        "the validation layer reported a problem in {context} (and {more} more message(s) on \
         stderr): {message}"
    )]
    Validation {
        context: String,
        message: String,
        more: usize,
    },

    /// Weights or optimizer state hold NaN or infinity (found before saving them).
    #[error("tensor `{tensor}` holds {value} at index {index} (of {len}): {detail}")]
    NonFiniteWeights {
        tensor: String,
        index: usize,
        len: usize,
        value: f32,
        detail: String,
    },

    /// `fit` was asked to stop (Ctrl-C, SIGTERM or [`FitOptions::stop`](crate::nn::FitOptions))
    /// and stopped at a step boundary.
    #[error(
        "training interrupted in epoch {epoch} at step {step} of {steps}; epochs up to \
         {} are complete",
        epoch - 1
    )]
    Interrupted {
        epoch: usize,
        step: usize,
        steps: usize,
    },

    /// The GPU reported an error (shader compile, out of memory, lost device, failed map).
    #[error("GPU error in {context}: {message}")]
    Gpu { context: String, message: String },
}

/// `Debug` shows the message, as `Display` does: it is what a `main` returning
/// `wgtrain::Result` prints, and the message already names the shapes, file and fix.
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for a shape error.
pub(crate) fn shape_err<T>(op: &'static str, detail: impl Into<String>) -> Result<T> {
    Err(Error::Shape {
        op,
        detail: detail.into(),
    })
}
