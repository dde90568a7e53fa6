//! What training uses, below the model: trainable parameters (`Param`) and their
//! regularizers, optimizers and their device state, losses and metrics, callbacks, the
//! progress bar, and the batch feed (the dataset resident on the device). Nothing here knows `Sequential` or the layers.

pub mod callbacks;
pub(crate) mod feed;
pub(crate) mod loss;
pub(crate) mod optimizer;
pub(crate) mod param;
pub(crate) mod progress;
pub(crate) mod regularizer;
pub(crate) mod resident;
