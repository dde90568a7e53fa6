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
    path: impl AsRef<Path>,
    (height, width, channels): (usize, usize, usize),
) -> Result<Vec<f32>> {
    let path = path.as_ref();
    let err = |detail: String| Error::FileFormat {
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
    dir: impl AsRef<Path>,
    shape: (usize, usize, usize),
    strict: bool,
    shuffle_seed: Option<u64>,
) -> Result<ImageFolder> {
    let dir = dir.as_ref();
    load_image_folder_for_run(dir, shape, strict, shuffle_seed, 0.0)
}

/// [`load_image_folder`] for a caller that will hold `extra_copies` more copies of the
/// images (as f32; e.g. 2 × the validation share for `wgtrain train`, which keeps the
/// validation rows and the model's copy of them): they are counted in the memory check
/// made before any image is decoded.
pub fn load_image_folder_for_run(
    dir: impl AsRef<Path>,
    (height, width, channels): (usize, usize, usize),
    strict: bool,
    shuffle_seed: Option<u64>,
    extra_copies: f64,
) -> Result<ImageFolder> {
    let dir = dir.as_ref();
    let bad = |detail: String| Error::FileFormat {
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
        path: Some(p.to_path_buf()),
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
    // The largest source image (pixels, and width), for the decode and resize buffers.
    let (mut max_pixels, mut max_width) = (0u64, 0u64);
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
                if let Some((w, h)) = source_size(&p) {
                    max_pixels = max_pixels.max(w as u64 * h as u64);
                    max_width = max_width.max(w as u64);
                }
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
        format_args!(
            "{} images of {height}×{width}×{channels} (decoded, resized, uploaded to the \
             device{})",
            files.len(),
            match extra_copies > 0.0 {
                true => " and the copies a run makes",
                false => "",
            }
        ),
        memory_needed(
            files.len(),
            (height, width, channels),
            (max_pixels, max_width),
            extra_copies,
        ),
        "use a smaller input size or fewer images",
    )?;
    let mut data = Vec::with_capacity(total);
    let mut labels = Vec::with_capacity(files.len());
    let mut skipped = Vec::new();
    for (path, label) in files {
        let img = match decode(&path) {
            Ok(img) => img,
            Err(why) if strict => {
                return Err(Error::FileFormat {
                    path: path.display().to_string(),
                    detail: format!(
                        "{why} (load_image_folder's strict stops at the first bad image)"
                    ),
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
        permute_rows(&mut images.data, per_image, &order);
        labels = order.iter().map(|&i| labels[i]).collect();
    }
    Ok(ImageFolder {
        images,
        labels,
        class_names: classes.into_iter().map(|(name, _)| name).collect(),
        skipped,
    })
}

/// A regular image file's width and height from its header (nothing is decoded), or
/// `None` when it cannot be read (it is then reported when it is decoded).
fn source_size(path: &Path) -> Option<(u32, u32)> {
    let (file, _) = crate::bounded_file::open_regular(path, "image", u64::MAX).ok()?;
    image::ImageReader::new(std::io::BufReader::new(file))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// Bytes of memory that reading `images` files at `h`×`w`×`c` and training on them
/// takes at its peak (beyond what the process holds already), the largest source image
/// having `max_pixels` pixels and the widest `max_width`, with `extra_copies` more
/// copies of the images held by the caller:
/// - the images as f32, once (the seeded shuffle permutes them in place), and the copies;
/// - their upload to the device as 8-bit codes (one byte per value; images hold at most
///   256 levels), four times: the packed codes on the host, the driver's staging copy
///   and the device's buffer (on the CPU device a copy; on an integrated or software
///   GPU such as lavapipe, host memory too), with room for the validation rows' second
///   upload when they are evaluated at the end (lavapipe measured 3.3 times);
/// - one image at a time while it is read: the decoded source (up to 8 bytes per pixel:
///   16-bit RGBA), the resize's two passes (4 channels of f32 per pixel: the source's
///   width by the input's height, then the input's size) and the converted result.
pub fn memory_needed(
    images: usize,
    (h, w, c): (usize, usize, usize),
    (max_pixels, max_width): (u64, u64),
    extra_copies: f64,
) -> u128 {
    let values = (images as u128)
        .saturating_mul(h as u128)
        .saturating_mul(w as u128)
        .saturating_mul(c as u128);
    let f32s = values.saturating_mul(4);
    let copies = (f32s as f64 * extra_copies.max(0.0)) as u128;
    let upload = values.saturating_mul(4);
    let out = (h as u128).saturating_mul(w as u128);
    let one_image = (max_pixels as u128 * 8)
        .saturating_add((max_width as u128).saturating_mul(h as u128) * 16)
        .saturating_add(out.saturating_mul(16 + 5 * c as u128));
    f32s.saturating_add(copies)
        .saturating_add(upload)
        .saturating_add(one_image)
}

/// Reorder the rows of `data` (each `row` values) so that row i becomes the old row
/// `order[i]`, in place (following the permutation's cycles with one row of scratch),
/// so that shuffling does not need a second copy of the whole set.
fn permute_rows(data: &mut [f32], row: usize, order: &[usize]) {
    let mut done = vec![false; order.len()];
    let mut held = vec![0.0f32; row];
    for start in 0..order.len() {
        if done[start] || order[start] == start {
            continue;
        }
        held.copy_from_slice(&data[start * row..(start + 1) * row]);
        let mut i = start;
        loop {
            done[i] = true;
            let from = order[i];
            if from == start {
                data[i * row..(i + 1) * row].copy_from_slice(&held);
                break;
            }
            data.copy_within(from * row..(from + 1) * row, i * row);
            i = from;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_are_permuted_in_place() {
        let order = [3, 0, 4, 1, 2, 5];
        let mut data: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let want: Vec<f32> = order
            .iter()
            .flat_map(|&i| [2.0 * i as f32, 2.0 * i as f32 + 1.0])
            .collect();
        super::permute_rows(&mut data, 2, &order);
        assert_eq!(data, want);
    }

    #[test]
    fn the_estimate_covers_the_measured_peak() {
        // RGB 160×160 PNGs trained by `wgtrain train` for one epoch with the default
        // validation split 0.2 (2 × 0.2 copies); peak resident memory measured with
        // /usr/bin/time -v (see the notes), less the process's own before any image is
        // read (a run on 16 images: 8 MiB CPU device, 81 MiB lavapipe): (images, CPU
        // device MiB, lavapipe MiB). Before the in-place shuffle and the train command's
        // taking its rows over, 2,000 images peaked at 1,647 and 1,893 MiB, 2.8× and
        // 3.2× the old estimate (the images' f32 once).
        let source = (160 * 160, 160);
        for (images, cpu, gpu) in [(2_000u128, 1_061u128, 1_306u128), (4_000, 2_116, 2_013)] {
            let need = super::memory_needed(images as usize, (160, 160, 3), source, 0.4);
            assert!(need >= (cpu - 8).max(gpu - 81) << 20, "{images}: {need}");
        }
        // The case, 10,000 images: at least the CPU device's measured slope
        // (0.53 MiB per image) and more than the images' f32 alone.
        let need = super::memory_needed(10_000, (160, 160, 3), source, 0.4);
        let f32_once: u128 = 10_000 * 160 * 160 * 3 * 4;
        assert!(need >= (5_281 << 20) && need > 2 * f32_once, "{need}");
    }
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
