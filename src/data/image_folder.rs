//! A folder of images with one sub-folder per class, read as Keras's
//! `image_dataset_from_directory` reads it: the class names are the sub-folders' names in
//! sorted order (label i is the i-th), every PNG or JPEG inside (by extension, as Keras;
//! the content decides the format) is resized to the model's input size (bilinear, aspect
//! not kept — Keras's defaults) and made grayscale or RGB by the model's channels, values
//! in [0, 1]. Other files are ignored. An image that cannot be read is reported with its
//! path and skipped, or stops the load when `strict`. With a seed the samples are shuffled
//! (as Keras shuffles before `validation_split` takes the last fraction).

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::digit_image::decode;
use crate::array::Array;
use crate::error::{Error, Result};

/// The most classes a folder may have (labels are bytes).
pub const MAX_CLASSES: usize = 256;

/// Extensions read as images (lower case); Keras also reads BMP and GIF, which are
/// reported as skipped here.
const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "bmp", "gif"];

/// What [`load_image_folder`] read.
#[derive(Clone, Debug)]
pub struct ImageFolder {
    /// [n, height, width, channels] in [0, 1].
    pub images: Array,
    /// The class index of each image.
    pub labels: Vec<u8>,
    /// The sub-folders' names, sorted: label i is `class_names[i]`.
    pub class_names: Vec<String>,
    /// Each file with an image extension that could not be used, and why.
    pub skipped: Vec<(PathBuf, String)>,
}

/// A sub-folder's name as a class name, losslessly: valid UTF-8 as it is, each byte that
/// is not as `\xNN` (so `caf\xe9` and `caf\xe8`, Latin-1 names, stay two classes
/// instead of both becoming `caf�`). Checkpoints keep the escaped name, and `predict`
/// shows it.
pub fn class_name(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// One image file as a folder-trained model takes it: resized to `height`×`width`
/// (bilinear), grayscale (1 channel) or RGB (3), values in [0, 1], row-major HWC.
pub fn load_image(
    path: &Path,
    (height, width, channels): (usize, usize, usize),
) -> Result<Vec<f32>> {
    let err = |detail: String| Error::Data {
        path: path.display().to_string(),
        detail,
    };
    if !matches!(channels, 1 | 3) {
        return Err(err(format!(
            "the model takes {channels} channels; images are read as grayscale (1) or RGB (3)"
        )));
    }
    let size = |n: usize| u32::try_from(n).map_err(|_| err(format!("a side of {n} is too large")));
    let (h, w) = (size(height)?, size(width)?);
    let img = decode(path).map_err(err)?;
    Ok(prepare(&img, (h, w), channels))
}

fn prepare(img: &image::DynamicImage, (h, w): (u32, u32), channels: usize) -> Vec<f32> {
    let img = img.resize_exact(w, h, FilterType::Triangle);
    let bytes = match channels {
        1 => img.to_luma8().into_raw(),
        _ => img.to_rgb8().into_raw(),
    };
    bytes.into_iter().map(|v| v as f32 / 255.0).collect()
}

/// Read `dir` (one sub-folder per class) at `height`×`width`×`channels` (1 or 3).
pub fn load_image_folder(
    dir: &Path,
    (height, width, channels): (usize, usize, usize),
    strict: bool,
    shuffle_seed: Option<u64>,
) -> Result<ImageFolder> {
    let bad = |detail: String| Error::Data {
        path: dir.display().to_string(),
        detail,
    };
    if !matches!(channels, 1 | 3) {
        return Err(bad(format!(
            "the model takes {channels} channels; images are read as grayscale (1) or RGB (3)"
        )));
    }
    let (h, w) = (
        u32::try_from(height).map_err(|_| bad(format!("height {height} is too large")))?,
        u32::try_from(width).map_err(|_| bad(format!("width {width} is too large")))?,
    );
    let io = |p: &Path, e: std::io::Error| Error::Io {
        path: p.to_path_buf(),
        source: e,
    };
    let mut classes: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        if entry.path().is_dir() {
            classes.push((class_name(&entry.file_name()), entry.path()));
        }
    }
    classes.sort();
    // Escaped names could meet a folder really named with the escape ("a\xff").
    if let Some(w) = classes.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(bad(format!(
            "the sub-folders {} and {} both read as the class name {:?} (names that are not \
             UTF-8 are written with \\xNN escapes); rename one of them",
            w[0].1.display(),
            w[1].1.display(),
            w[0].0
        )));
    }
    if classes.is_empty() {
        return Err(bad(
            "has no sub-folders; put each class's images in a sub-folder named after the \
             class (e.g. DIR/cat/1.png, DIR/dog/2.jpg)"
                .into(),
        ));
    }
    if classes.len() > MAX_CLASSES {
        return Err(bad(format!(
            "has {} sub-folders; wgtrain reads at most {MAX_CLASSES} classes",
            classes.len()
        )));
    }
    let mut files: Vec<(PathBuf, u8)> = Vec::new();
    for (label, (_, path)) in classes.iter().enumerate() {
        let mut in_class = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|e| io(path, e))? {
            let p = entry.map_err(|e| io(path, e))?.path();
            let ext = p
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            // Anything with an image's name that is not a folder is tried: a FIFO or a
            // device is then reported as skipped (decoding refuses it before opening),
            // not silently ignored and never waited on.
            if !p.is_dir() && IMAGE_EXTENSIONS.contains(&ext.as_str()) {
                in_class.push(p);
            }
        }
        in_class.sort();
        files.extend(in_class.into_iter().map(|p| (p, label as u8)));
    }
    let per_image = height
        .checked_mul(width)
        .and_then(|n| n.checked_mul(channels))
        .ok_or_else(|| bad(format!("{height}×{width}×{channels} overflows")))?;
    let total = per_image.saturating_mul(files.len());
    crate::memory::check_host(
        format_args!("{} images of {height}×{width}×{channels}", files.len()),
        (total as u128) * 4,
        "use a smaller input size or fewer images",
    )?;
    let mut data = Vec::with_capacity(total);
    let mut labels = Vec::with_capacity(files.len());
    let mut skipped = Vec::new();
    for (path, label) in files {
        let img = match decode(&path) {
            Ok(img) => img,
            Err(why) if strict => {
                return Err(Error::Data {
                    path: path.display().to_string(),
                    detail: format!("{why} (--strict stops at the first bad image)"),
                })
            }
            Err(why) => {
                skipped.push((path, why));
                continue;
            }
        };
        data.extend(prepare(&img, (h, w), channels));
        labels.push(label);
    }
    if labels.is_empty() {
        return Err(bad(format!(
            "holds no readable PNG or JPEG images in its sub-folders ({} skipped)",
            skipped.len()
        )));
    }
    let n = labels.len();
    let mut images = Array::new(&[n, height, width, channels], data)?;
    if let Some(seed) = shuffle_seed {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut StdRng::seed_from_u64(seed));
        let mut shuffled = Vec::with_capacity(images.data.len());
        for &i in &order {
            shuffled.extend_from_slice(&images.data[i * per_image..(i + 1) * per_image]);
        }
        images.data = shuffled;
        labels = order.iter().map(|&i| labels[i]).collect();
    }
    Ok(ImageFolder {
        images,
        labels,
        class_names: classes.into_iter().map(|(name, _)| name).collect(),
        skipped,
    })
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn class_names_escape_invalid_bytes_losslessly() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let name = |b: &[u8]| super::class_name(OsStr::from_bytes(b));
        assert_eq!(name(b"cat"), "cat");
        assert_eq!(name("café".as_bytes()), "café");
        assert_eq!(name(b"caf\xe9"), "caf\\xe9");
        assert_eq!(name(b"caf\xe8"), "caf\\xe8");
        assert_eq!(name(b"\xff\xfe-x"), "\\xff\\xfe-x");
    }
}
