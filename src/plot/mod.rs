//! PNG pictures of training: curves, confusion matrix, most-wrong digits. Drawn with a
//! small built-in bitmap font, so they need nothing beyond the `image` crate.

mod canvas;
mod charts;
mod font;

pub use canvas::Canvas;
pub use charts::{confusion_matrix, digit_grid, training_curves, WrongDigit};
