//! One image as it is, for a model trained on inputs that are not MNIST-style digits:
//! no recentring, no resizing, no inverting; only made grayscale or RGB by the model's
//! channels and its pixel values scaled to [0, 1]. Its size must be the model's.

use std::path::Path;

use super::digit_image::decode;
use crate::error::{Error, Result};

/// One image file (PNG or JPEG) as a model taking inputs of `input_shape` takes it,
/// row-major HWC, values in [0, 1]: `[height, width, channels]` (1 channel: grayscale,
/// 3: RGB), `[height, width]` (grayscale), or `[n]` (the pixels in a row, grayscale if
/// the image has n pixels, RGB if it has n / 3). An image of another size is an error
/// naming both shapes (nothing is resized).
pub fn load_image_raw(path: impl AsRef<Path>, input_shape: &[usize]) -> Result<Vec<f32>> {
    let path = path.as_ref();
    let err = |detail: String| Error::FileFormat {
        path: path.display().to_string(),
        detail,
    };
    if let &[_, _, c] = input_shape {
        if !matches!(c, 1 | 3) {
            return Err(err(format!(
                "the model takes inputs of shape {input_shape:?}, with {c} channels; images \
                 are read as grayscale (1 channel) or RGB (3)"
            )));
        }
    }
    if !matches!(input_shape.len(), 1..=3) {
        return Err(err(format!(
            "the model takes inputs of shape {input_shape:?}; an image is [height, width, \
             channels], [height, width] or [pixels]"
        )));
    }
    let img = decode(path).map_err(err)?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let channels = match *input_shape {
        [ih, iw, c] if (ih, iw) == (h, w) => Some(c),
        [ih, iw] if (ih, iw) == (h, w) => Some(1),
        [n] if h.checked_mul(w) == Some(n) => Some(1),
        [n] if h.checked_mul(w).and_then(|p| p.checked_mul(3)) == Some(n) => Some(3),
        _ => None,
    };
    let Some(channels) = channels else {
        return Err(err(format!(
            "the image is {h}×{w} (height × width, shape [{h}, {w}, {}]) but the model takes \
             inputs of shape {input_shape:?}; read as it is, an image must have the model's \
             size (resize it first)",
            img.color().channel_count()
        )));
    };
    let bytes = match channels {
        1 => img.to_luma8().into_raw(),
        _ => img.to_rgb8().into_raw(),
    };
    Ok(bytes.into_iter().map(|v| v as f32 / 255.0).collect())
}
