//! The layers, one file each, named as in Keras.

mod activation;
mod affine;
mod conv2d;
mod dense;
mod dropout;
mod flatten;
mod global_pooling2d;
mod pooling2d;
mod reshape;

pub use activation::Activation;
pub use conv2d::Conv2D;
pub use dense::Dense;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use global_pooling2d::{GlobalAveragePooling2D, GlobalMaxPooling2D};
pub use pooling2d::{AveragePooling2D, MaxPooling2D};
pub use reshape::Reshape;
