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

    /// Two shapes that must agree do not.
    #[error("shape mismatch in {op}: {detail}")]
    Shape {
        /// The op or layer that checked.
        op: &'static str,
        /// The shapes and how they disagree.
        detail: String,
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

    /// A data file that is missing, truncated or malformed (names the file and the fix).
    #[error("{path}: {detail}")]
    Data {
        /// The file (or data set) at fault.
        path: String,
        /// What is wrong with it, and the fix.
        detail: String,
    },

    /// A file that could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
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

/// `Result` with the crate's [`Error`](enum@Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for a shape error.
pub(crate) fn shape_err<T>(op: &'static str, detail: impl Into<String>) -> Result<T> {
    Err(Error::Shape {
        op,
        detail: detail.into(),
    })
}
