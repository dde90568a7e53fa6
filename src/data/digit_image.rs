//! Turning a photo or drawing of a digit (PNG, JPEG) into a 28×28 MNIST-style input, as
//! the MNIST digits were made: grayscale, ink bright on a dark background (inverted when
//! the background is light), the digit's bounding box scaled to fit a 20×20 box (aspect
//! kept, anti-aliased) and placed in the 28×28 frame so that its centre of mass sits where
//! MNIST's do (pixel 14.5 counting pixel centres, i.e. the centre of pixel 14), values in
//! [0, 1].
//!
//! Files are read by content, not by extension; EXIF orientation (a phone photo stored
//! sideways) is applied; transparent images are composited onto a background that
//! contrasts with their ink; decoding is bounded (size and memory limits), so a hostile
//! file is an error, never an abort.

use std::path::Path;

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, ImageDecoder, ImageReader, Luma};

use crate::error::{Error, Result};

/// Largest width or height decoded (a 20,000-pixel side is far beyond any photo's).
const MAX_SIDE: u32 = 20_000;
/// Largest memory the decoder may use.
const MAX_DECODE_BYTES: u64 = 512 << 20;
/// Largest ratio of decoded bytes to file bytes believed.
const MAX_RATIO: u64 = 1100;

/// Where MNIST digits' centre of mass sits, in pixel-centre coordinates (measured on the
/// test set: 14.50, 14.49): the centre of pixel 14, not the frame's midpoint 14.0.
const MNIST_CENTRE: f64 = 14.5;

/// MNIST-style 28×28 pixels (row-major, [0, 1], ink bright) from an image file.
pub fn load_digit(path: impl AsRef<Path>) -> Result<Vec<f32>> {
    let path = path.as_ref();
    let err = |detail: String| Error::FileFormat {
        path: path.display().to_string(),
        detail,
    };
    let img = decode(path).map_err(err)?;
    digit_from_image(&img).map_err(err)
}

/// Largest image file read (as large as the decoder's memory limit: a bigger PNG or JPEG
/// could not be decoded within it anyway).
pub const MAX_IMAGE_FILE_BYTES: u64 = MAX_DECODE_BYTES;

/// Decode an image file by its content, upright (EXIF orientation applied), within limits.
/// Only a regular file is opened (a FIFO or a device such as /dev/zero is refused before
/// `open`, so nothing blocks), and one of at most [`MAX_IMAGE_FILE_BYTES`].
pub fn decode(path: impl AsRef<Path>) -> std::result::Result<DynamicImage, String> {
    let path = path.as_ref();
    let (file, len) =
        crate::bounded_file::open_regular(path, "PNG or JPEG image", MAX_IMAGE_FILE_BYTES)
            .map_err(|e| match e {
                Error::FileFormat { detail, .. } => detail,
                Error::Io { source, .. } => format!("cannot read: {source}"),
                other => other.to_string(),
            })?;
    decode_from(std::io::BufReader::new(file), len)
}

/// The same from bytes in memory (what the fuzzers drive).
pub fn decode_bytes(bytes: &[u8]) -> std::result::Result<DynamicImage, String> {
    decode_from(std::io::Cursor::new(bytes), bytes.len() as u64)
}

/// `src` holds `len` bytes.
fn decode_from(
    mut src: impl std::io::BufRead + std::io::Seek,
    len: u64,
) -> std::result::Result<DynamicImage, String> {
    // The content decides, whatever the extension says.
    let head = src.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
    let format = match image::guess_format(head) {
        Ok(f @ (image::ImageFormat::Png | image::ImageFormat::Jpeg)) => f,
        Ok(other) => {
            return Err(format!(
                "a {other:?} image; PNG and JPEG are supported (convert it to one of them)"
            ))
        }
        Err(_) => {
            return Err(
                "not an image: its content is neither PNG nor JPEG (the file \
                        name's extension does not matter)"
                    .into(),
            )
        }
    };
    let mut reader = ImageReader::with_format(src, format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let unreadable =
        |e: image::ImageError| format!("cannot read the image ({e}); PNG and JPEG are supported");
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    // Pixels a file of this size cannot hold (neither deflate nor JPEG compresses by more
    // than about 1000:1) are a damaged or forged header: refused before decoding
    // allocates for them.
    let (w, h) = decoder.dimensions();
    if decoder.total_bytes() > len.saturating_mul(MAX_RATIO).saturating_add(1 << 20) {
        return Err(format!(
            "the header declares {w}×{h} pixels, more than a file of {len} bytes can hold; \
             the image is damaged"
        ));
    }
    // A damaged EXIF block should not stop a readable picture: it stays as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// MNIST-style pixels from a decoded image of any colour type. Transparent pixels show the
/// background that contrasts with the visible ink (white behind dark ink, black behind
/// light ink), as a viewer would show a transparent drawing.
pub fn digit_from_image(img: &DynamicImage) -> std::result::Result<Vec<f32>, String> {
    prepared(&gray_of(img)?, Style::Digit)
}

/// Fashion-MNIST-style 28×28 pixels (row-major, [0, 1], the object bright on black) from an
/// image file, as that set was made: grayscale, inverted when the background is light, the
/// object's bounding box scaled so its longer side is 28 (aspect kept) and centred. For
/// models trained on Fashion-MNIST or KMNIST.
pub fn load_item(path: impl AsRef<Path>) -> Result<Vec<f32>> {
    let path = path.as_ref();
    let err = |detail: String| Error::FileFormat {
        path: path.display().to_string(),
        detail,
    };
    let img = decode(path).map_err(err)?;
    gray_of(&img)
        .and_then(|g| prepared(&g, Style::Item))
        .map_err(err)
}

/// How an image becomes a 28×28 input.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    /// MNIST: longer side 20, centre of mass at MNIST's.
    Digit,
    /// Fashion-MNIST / KMNIST: longer side 28, box centred.
    Item,
}

/// Grayscale; transparent pixels show the background that contrasts with the visible ink.
fn gray_of(img: &DynamicImage) -> std::result::Result<GrayImage, String> {
    if !img.color().has_alpha() {
        return Ok(img.to_luma8());
    }
    let la = img.to_luma_alpha8();
    let (mut sum, mut weight) = (0.0f64, 0.0f64);
    for p in la.pixels() {
        let a = p[1] as f64 / 255.0;
        sum += a * p[0] as f64;
        weight += a;
    }
    if weight < 0.5 {
        return Err("no digit found: the image is fully transparent".into());
    }
    let bg = if sum / weight < 128.0 { 255.0 } else { 0.0 };
    let mut gray = GrayImage::new(la.width(), la.height());
    for (g, p) in gray.pixels_mut().zip(la.pixels()) {
        let a = p[1] as f32 / 255.0;
        g[0] = (p[0] as f32 * a + bg * (1.0 - a)).round() as u8;
    }
    Ok(gray)
}

/// The same from an 8-bit grayscale image already in memory.
pub fn digit_from_gray(img: &GrayImage) -> std::result::Result<Vec<f32>, String> {
    prepared(img, Style::Digit)
}

fn prepared(img: &GrayImage, style: Style) -> std::result::Result<Vec<f32>, String> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Err("the image is empty".into());
    }
    // Ink = distance from the background level, estimated from the border pixels.
    let mut border = Vec::new();
    for x in 0..w {
        border.push(img.get_pixel(x, 0)[0]);
        border.push(img.get_pixel(x, h - 1)[0]);
    }
    for y in 0..h {
        border.push(img.get_pixel(0, y)[0]);
        border.push(img.get_pixel(w - 1, y)[0]);
    }
    border.sort_unstable();
    let background = border[border.len() / 2] as f32 / 255.0;
    let light = background > 0.5;
    let ink = |v: u8| {
        let v = v as f32 / 255.0;
        let d = if light {
            background - v
        } else {
            v - background
        };
        d.max(0.0)
    };
    let max_ink = img.pixels().map(|p| ink(p[0])).fold(0.0f32, f32::max);
    if max_ink < 0.1 {
        return Err("no digit found: the image has (almost) a single tone".into());
    }
    // Bounding box of the ink (ignoring faint noise under 10 % of the strongest ink).
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if ink(p[0]) > 0.1 * max_ink {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let mut crop = GrayImage::new(bw, bh);
    for y in 0..bh {
        for x in 0..bw {
            let v = ink(img.get_pixel(x0 + x, y0 + y)[0]) / max_ink;
            crop.put_pixel(x, y, Luma([(v * 255.0).round() as u8]));
        }
    }
    // Longer side to 20 pixels (28 for an item), aspect kept.
    let side = if style == Style::Digit { 20 } else { 28 };
    let scale = side as f32 / bw.max(bh) as f32;
    let (nw, nh) = (
        ((bw as f32 * scale).round() as u32).clamp(1, side),
        ((bh as f32 * scale).round() as u32).clamp(1, side),
    );
    let small = imageops::resize(&crop, nw, nh, FilterType::Triangle);
    if style == Style::Item {
        let (ox, oy) = ((28 - nw) / 2, (28 - nh) / 2);
        let mut out = vec![0.0f32; 28 * 28];
        for (x, y, p) in small.enumerate_pixels() {
            out[((y + oy) * 28 + x + ox) as usize] = p[0] as f32 / 255.0;
        }
        return Ok(out);
    }
    // Centre of mass to the middle of the 28×28 frame.
    let (mut m, mut mx, mut my) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y, p) in small.enumerate_pixels() {
        let v = p[0] as f64;
        m += v;
        mx += v * (x as f64 + 0.5);
        my += v * (y as f64 + 0.5);
    }
    let (cx, cy) = if m > 0.0 {
        (mx / m, my / m)
    } else {
        (nw as f64 / 2.0, nh as f64 / 2.0)
    };
    let ox = (MNIST_CENTRE - cx).round() as i64;
    let oy = (MNIST_CENTRE - cy).round() as i64;
    let mut out = vec![0.0f32; 28 * 28];
    for (x, y, p) in small.enumerate_pixels() {
        let (tx, ty) = (x as i64 + ox, y as i64 + oy);
        if (0..28).contains(&tx) && (0..28).contains(&ty) {
            out[(ty * 28 + tx) as usize] = p[0] as f32 / 255.0;
        }
    }
    Ok(out)
}
