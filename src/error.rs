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
    NoAdapter {
        /// What was looked for, as a clause after "no GPU adapter found" (may be empty).
        detail: String,
    },

    /// The environment asked for something that does not exist.
    #[error("invalid setting {name}={:?}: {reason}", crate::echo::clip(value))]
    BadSetting {
        /// The setting's name (an environment variable).
        name: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused, and what is allowed.
        reason: String,
    },

    /// The adapter refused to create a device.
    #[error("the adapter {adapter:?} could not create a device: {reason}")]
    DeviceRequest {
        /// The adapter's name.
        adapter: String,
        /// What the driver said.
        reason: String,
    },

    /// A tensor does not fit in one storage-buffer binding on this adapter.
    #[error(
        "tensor {what} of shape {shape:?} needs {bytes} bytes, over this adapter's \
         max_storage_buffer_binding_size of {limit} bytes ({adapter}); use a smaller batch \
         or split the tensor"
    )]
    TensorTooLarge {
        /// The tensor's role.
        what: String,
        /// Its shape.
        shape: Vec<usize>,
        /// The bytes it needs.
        bytes: u64,
        /// The adapter's max_storage_buffer_binding_size, bytes.
        limit: u64,
        /// The adapter's name.
        adapter: String,
    },

    /// Something would need more memory than there is; found before allocating.
    #[error(
        "{what} needs {} ({bytes} bytes), more than {limit_name} ({}); {fix}",
        crate::units::human(*bytes),
        crate::units::human(*limit)
    )]
    TooLarge {
        /// What needs the memory.
        what: String,
        /// The bytes it needs.
        bytes: u128,
        /// The bytes there are.
        limit: u128,
        /// What the limit is (e.g. the free host memory), in words.
        limit_name: String,
        /// What to change so it fits.
        fix: String,
    },

    /// Two shapes that must agree inside one op do not (tensors handed between the
    /// model's own kernels; what a user passes to a model call is
    /// [`ShapeMismatch`](Error::ShapeMismatch)).
    #[error("shape mismatch in {op}: {detail}")]
    Shape {
        /// The op or layer that checked.
        op: &'static str,
        /// The shapes and how they disagree.
        detail: String,
    },

    /// What a call was given does not have the shape or size it needs: `fit`'s x against
    /// the model's input or against y, a layer given an input of the wrong rank, a tensor
    /// given to `set_weights`.
    #[error("{what}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// The call and the argument, layer or tensor checked (e.g. "fit: x").
        what: String,
        /// The shape or size it needs (and why, where that helps).
        expected: String,
        /// The shape or size it was given.
        got: String,
    },

    /// A layer, argument, loss or feature wgtrain does not implement (a Keras class it
    /// has no layer for, a Keras argument set to a value it does not implement).
    #[error("{context}: {feature} is not supported; {reason}")]
    Unsupported {
        /// Where it was asked for (the file, the layer).
        context: String,
        /// The class, argument or feature, as given.
        feature: String,
        /// What wgtrain supports instead.
        reason: String,
    },

    /// A call made before the model is ready for it (its weights are not built, it is not
    /// compiled).
    #[error("{call}: {why}; call {first} first")]
    NotReady {
        /// The call that was made.
        call: &'static str,
        /// What the model lacks.
        why: String,
        /// What to call first.
        first: &'static str,
    },

    /// A tensor of one device handed to another (a GPU model's tensor to a CPU model's
    /// op, or an index tensor where values are needed).
    #[error(
        "{op}: expected {expected} but got {found}; tensors of a GPU model and a CPU model \
         cannot be mixed — upload the data through the model's own device"
    )]
    WrongTensor {
        /// The op that was given the tensor.
        op: &'static str,
        /// The kind of tensor it takes.
        expected: &'static str,
        /// The kind it was given.
        found: &'static str,
    },

    /// A dispatch would need more workgroups than the adapter allows.
    #[error(
        "{kernel} needs {groups} workgroups in one dimension, over the adapter limit of {limit}; \
         use a smaller batch"
    )]
    TooManyWorkgroups {
        /// The kernel's name.
        kernel: &'static str,
        /// The workgroups it would need in one dimension.
        groups: u64,
        /// The adapter's max_compute_workgroups_per_dimension.
        limit: u32,
    },

    /// A model that cannot be built, compiled or run as described (names the layer).
    #[error("{0}")]
    Model(String),

    /// A file that is not what it should be: a data set, image, CSV table, IDX file,
    /// checkpoint, weights file or model description that is missing, not a regular file,
    /// too large, truncated or malformed (names the file, what is wrong and the fix).
    #[error("{path}: {detail}")]
    FileFormat {
        /// The file (or data set) at fault.
        path: String,
        /// What is wrong with it, and the fix.
        detail: String,
    },

    /// A file that could not be read or written. `?` on a `std::io::Result` makes one
    /// without a path.
    #[error("{}{source}", io_path(path))]
    Io {
        /// The file, where known.
        path: Option<std::path::PathBuf>,
        /// The operating system's error.
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
        /// The file that was to be written.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// Training produced a NaN or infinite loss.
    #[error(
        "loss became {value} in epoch {epoch} (by step {step}); training stopped. Lower the \
         learning rate, check the inputs for NaN/inf, or scale them to [0, 1]"
    )]
    NonFiniteLoss {
        /// The epoch, 1-based.
        epoch: usize,
        /// The step within the epoch by which it was seen.
        step: usize,
        /// The loss (NaN or ±infinity).
        value: f32,
    },

    /// The driver's validation layer reported a problem (only with `WGTRAIN_VALIDATION=1`).
    #[error(
        "the validation layer reported a problem in {context} (and {more} more message(s) on \
         stderr): {message}"
    )]
    Validation {
        /// What wgtrain was doing.
        context: String,
        /// The layer's first message.
        message: String,
        /// How many more messages it printed.
        more: usize,
    },

    /// Weights or optimizer state hold NaN or infinity (found before saving them).
    #[error("tensor `{tensor}` holds {value} at index {index} (of {len}): {detail}")]
    NonFiniteWeights {
        /// The tensor's name.
        tensor: String,
        /// The flat index of the first bad value.
        index: usize,
        /// The tensor's length.
        len: usize,
        /// The bad value.
        value: f32,
        /// What it means and what to do.
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
        /// The epoch stopped in, 1-based.
        epoch: usize,
        /// The steps of it done.
        step: usize,
        /// The steps in the epoch.
        steps: usize,
    },

    /// The GPU reported an error (shader compile, out of memory, lost device, failed map).
    #[error("GPU error in {context}: {message}")]
    Gpu {
        /// What wgtrain was doing.
        context: String,
        /// What wgpu reported.
        message: String,
    },
}

/// `Debug` shows the message, as `Display` does: it is what a `main` returning
/// `wgtrain::Result` prints, and the message already names the shapes, file and fix.
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// An io error of no named file, so that `?` works on `std::io::Result` in a function
/// returning `wgtrain::Result`; the library's own io errors name their file.
impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Error {
        Error::Io { path: None, source }
    }
}

/// `"{path}: "` for an io error's message, or nothing without a path.
fn io_path(path: &Option<std::path::PathBuf>) -> String {
    match path {
        Some(p) => format!("{}: ", p.display()),
        None => String::new(),
    }
}

impl Error {
    /// The error with `context` (a layer, a file) put in front of its message; the
    /// variant stays what it was where it has a place for it, the rest become
    /// `Error::Model`.
    pub fn in_context(self, context: impl std::fmt::Display) -> Error {
        match self {
            Error::ShapeMismatch {
                what,
                expected,
                got,
            } => Error::ShapeMismatch {
                what: format!("{context}: {what}"),
                expected,
                got,
            },
            Error::Unsupported {
                context: c,
                feature,
                reason,
            } => Error::Unsupported {
                context: format!("{context}: {c}"),
                feature,
                reason,
            },
            Error::Model(m) => Error::Model(format!("{context}: {m}")),
            Error::TooLarge {
                what,
                bytes,
                limit,
                limit_name,
                fix,
            } => Error::TooLarge {
                what: format!("{context}: {what}"),
                bytes,
                limit,
                limit_name,
                fix,
            },
            e @ (Error::NoAdapter { .. }
            | Error::DeviceRequest { .. }
            | Error::TensorTooLarge { .. }
            | Error::TooManyWorkgroups { .. }
            | Error::Gpu { .. }) => e,
            other => Error::Model(format!("{context}: {other}")),
        }
    }
}

/// `Result` with the crate's [`Error`](enum@Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for a shape error.
pub(crate) fn shape_err<T>(op: &'static str, detail: impl Into<String>) -> Result<T> {
    Err(Error::Shape {
        op,
        detail: detail.into(),
    })
}
