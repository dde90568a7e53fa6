//! The layers, one file each, named as in Keras.

mod affine;
mod conv2d;
mod dense;
mod dropout;
mod flatten;
mod max_pooling2d;

pub use conv2d::Conv2D;
pub use dense::Dense;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use max_pooling2d::MaxPooling2D;
