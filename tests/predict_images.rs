//! `predict` on real images: MNIST's own test digits written out as PNG files must be
//! classified as `eval` classifies the arrays (≥ 99.5 % agreement), which holds only when
//! the preparation puts them back where MNIST has them; EXIF orientation is honoured, a
//! transparent PNG with dark ink is composited, and the format comes from the content.

mod common;

use common::{mnist_dir, stderr, stdout, wgtrain, TempDir};
use image::{GrayImage, Luma};
use wgtrain::nn::{Device, Sequential};

/// A seed MLP trained for one epoch on the CPU (deterministic), as a checkpoint.
fn trained_mlp(dir: &TempDir, data: &str) -> String {
    let out = dir.s("run");
    let o = wgtrain(&[
        "train",
        "--model",
        "mlp",
        "--epochs",
        "1",
        "--device",
        "cpu",
        "--data",
        data,
        "--quiet",
        "--out",
        &out,
        "--test-limit",
        "10",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    dir.s("run/checkpoint.safetensors")
}

/// The classes `predict --json` printed, in order.
fn predicted(o: &std::process::Output) -> Vec<u64> {
    assert!(o.status.success(), "{}", stderr(o));
    stdout(o)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["top"][0]["class"].as_u64().unwrap()
        })
        .collect()
}

#[test]
fn mnist_test_digits_as_png_are_classified_as_eval_classifies_them() {
    let Some(data) = mnist_dir() else { return };
    let dir = TempDir::new("pngs");
    let ckpt = trained_mlp(&dir, &data.display().to_string());
    let n = 2000;
    let mnist = wgtrain::data::load_mnist_first(&data, Some(1), Some(n)).unwrap();
    let model = Sequential::load_for_inference(std::path::Path::new(&ckpt), Device::Cpu).unwrap();
    let by_eval = model.predict(&mnist.test.images).unwrap().argmax_rows();

    let mut paths = Vec::new();
    for i in 0..n {
        let px = &mnist.test.images.data[i * 784..(i + 1) * 784];
        let img = GrayImage::from_fn(28, 28, |x, y| {
            Luma([(px[(y * 28 + x) as usize] * 255.0).round() as u8])
        });
        let p = dir.path(&format!("t{i:04}.png"));
        img.save(&p).unwrap();
        paths.push(p.display().to_string());
    }
    let mut args = vec!["predict", &ckpt, "--device", "cpu", "--json", "--top", "1"];
    args.extend(paths.iter().map(String::as_str));
    let by_predict = predicted(&wgtrain(&args));
    assert_eq!(by_predict.len(), n);
    let agree = by_eval
        .iter()
        .zip(&by_predict)
        .filter(|(a, b)| **a as u64 == **b)
        .count();
    println!("predict on PNG agrees with eval on {agree} of {n} test digits");
    assert!(
        agree as f64 >= 0.995 * n as f64,
        "predict agrees with eval on only {agree} of {n}"
    );
}

/// A "7" drawn upright, dark on light.
fn seven() -> GrayImage {
    common::draw(120, 160, &[&[(0.2, 0.15), (0.8, 0.15), (0.45, 0.9)]], 14.0)
}

/// TIFF bytes of an EXIF block holding only Orientation = `o`.
fn exif_orientation(o: u16) -> Vec<u8> {
    let mut t = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0];
    t.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0]);
    t.extend_from_slice(&o.to_le_bytes());
    t.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    t
}

fn jpeg(img: &GrayImage, exif: Option<Vec<u8>>) -> Vec<u8> {
    use image::ImageEncoder;
    let mut buf = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 95);
    if let Some(e) = exif {
        enc.set_exif_metadata(e).unwrap();
    }
    enc.write_image(img, img.width(), img.height(), image::ExtendedColorType::L8)
        .unwrap();
    buf
}

fn png(img: &image::DynamicImage) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    img.write_to(&mut buf, image::ImageFormat::Png).unwrap();
    buf.into_inner()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn exif_orientation_is_applied() {
    let dir = TempDir::new("exif");
    let upright = seven();
    let want = wgtrain::data::digit_from_gray(&upright).unwrap();
    // Stored turned a quarter counter-clockwise, with Orientation 6 ("rotate 90° clockwise
    // to show"), as a phone held sideways saves it.
    let stored = image::imageops::rotate270(&upright);
    let p = dir.path("sideways.jpg");
    std::fs::write(&p, jpeg(&stored, Some(exif_orientation(6)))).unwrap();
    let got = wgtrain::data::load_digit(&p).unwrap();
    let d = max_abs_diff(&got, &want);
    assert!(
        d < 0.2,
        "EXIF-rotated 7 differs from the upright one by {d}"
    );
    // The control: the same pixels without the tag are a different picture.
    let q = dir.path("no_tag.jpg");
    std::fs::write(&q, jpeg(&stored, None)).unwrap();
    let raw = wgtrain::data::load_digit(&q).unwrap();
    assert!(
        max_abs_diff(&raw, &want) > 0.5,
        "the control should differ from the upright digit"
    );
}

#[test]
fn transparent_png_with_dark_ink_is_composited() {
    let dir = TempDir::new("alpha");
    let drawn = seven();
    let want = wgtrain::data::digit_from_gray(&drawn).unwrap();
    // Black ink on a fully transparent (black, alpha 0) background.
    let rgba = image::RgbaImage::from_fn(drawn.width(), drawn.height(), |x, y| {
        let ink = drawn.get_pixel(x, y)[0] < 128;
        image::Rgba([0, 0, 0, if ink { 255 } else { 0 }])
    });
    let p = dir.path("transparent.png");
    std::fs::write(&p, png(&image::DynamicImage::ImageRgba8(rgba))).unwrap();
    let got = wgtrain::data::load_digit(&p).unwrap();
    let d = max_abs_diff(&got, &want);
    assert!(d < 0.05, "transparent 7 differs from the opaque one by {d}");
    // Light ink on transparency gets a dark background instead.
    let light = image::RgbaImage::from_fn(drawn.width(), drawn.height(), |x, y| {
        let ink = drawn.get_pixel(x, y)[0] < 128;
        image::Rgba([255, 255, 255, if ink { 255 } else { 0 }])
    });
    std::fs::write(&p, png(&image::DynamicImage::ImageRgba8(light))).unwrap();
    let got = wgtrain::data::load_digit(&p).unwrap();
    assert!(max_abs_diff(&got, &want) < 0.05);
    // Nothing visible at all is an error, not a guess.
    let clear = image::RgbaImage::from_pixel(30, 30, image::Rgba([0, 0, 0, 0]));
    std::fs::write(&p, png(&image::DynamicImage::ImageRgba8(clear))).unwrap();
    let e = wgtrain::data::load_digit(&p).unwrap_err().to_string();
    assert!(
        e.contains("transparent.png") && e.contains("transparent"),
        "{e}"
    );
}

#[test]
fn the_format_comes_from_the_content_and_bad_files_are_errors() {
    let dir = TempDir::new("format");
    let drawn = seven();
    let want = wgtrain::data::digit_from_gray(&drawn).unwrap();
    // A PNG named .jpg and a JPEG named .png both read.
    let as_jpg = dir.path("really_png.jpg");
    std::fs::write(
        &as_jpg,
        png(&image::DynamicImage::ImageLuma8(drawn.clone())),
    )
    .unwrap();
    assert_eq!(wgtrain::data::load_digit(&as_jpg).unwrap(), want);
    let as_png = dir.path("really_jpeg.png");
    std::fs::write(&as_png, jpeg(&drawn, None)).unwrap();
    assert!(max_abs_diff(&wgtrain::data::load_digit(&as_png).unwrap(), &want) < 0.2);

    // Not an image, an empty file, a cut PNG, and a PNG header claiming 100,000² pixels:
    // errors naming the file, no panic, no huge allocation.
    let full = png(&image::DynamicImage::ImageLuma8(drawn));
    // The same PNG with its header claiming `side`² pixels.
    let claiming = |side: u32| {
        let mut v = full[..33].to_vec(); // signature + IHDR
        v[16..20].copy_from_slice(&side.to_be_bytes());
        v[20..24].copy_from_slice(&side.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&v[12..29]);
        v[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        v.extend_from_slice(&full[33..]);
        v
    };
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("notes.png", b"just some text".to_vec(), "not an image"),
        ("empty.png", Vec::new(), "not an image"),
        (
            "cut.png",
            full[..full.len() / 2].to_vec(),
            "cannot read the image",
        ),
        // Over the decoder's 20,000-pixel side, and within it but far more pixels than
        // a file this small can hold: refused before decoding allocates for them.
        ("huge.png", claiming(100_000), "cannot read the image"),
        ("big.png", claiming(15_000), "more than a file of"),
    ];
    for (name, bytes, want) in cases {
        let p = dir.path(name);
        std::fs::write(&p, bytes).unwrap();
        let e = wgtrain::data::load_digit(&p).unwrap_err().to_string();
        assert!(e.contains(name) && e.contains(want), "{name}: {e}");
    }
}
