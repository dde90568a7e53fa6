//! Image folders as Keras's image_dataset_from_directory reads them: class names from the
//! sub-folders (sorted), PNG and JPEG of any size resized to the model's input, grayscale
//! or RGB by its channels, unreadable files reported with their path (or fatal with
//! --strict), and an RGB Conv2D model trained end to end by the CLI with its class names
//! kept for predict.

mod common;

use std::path::Path;

use common::{stderr, stdout, wgtrain, TempDir};
use image::{Rgb, RgbImage};
use wgtrain::data::load_image_folder;

/// `per_class` images per colour class (red, green, blue: the class's channel bright, the
/// others dim, with seeded noise), in varying sizes, PNG and JPEG; plus a damaged PNG, a
/// BMP (Keras reads it, wgtrain reports it) and a text file (ignored).
fn colour_folder(dir: &Path, per_class: usize) {
    let mut seed = 7u32;
    let mut noise = move || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (seed >> 16) % 60
    };
    for (class, channel) in [("red", 0), ("green", 1), ("blue", 2)] {
        let d = dir.join(class);
        std::fs::create_dir_all(&d).unwrap();
        for i in 0..per_class {
            let (w, h) = (12 + (i as u32 % 5) * 3, 10 + (i as u32 % 3) * 4);
            let img = RgbImage::from_fn(w, h, |_, _| {
                let mut px = [noise() as u8 + 20, noise() as u8 + 20, noise() as u8 + 20];
                px[channel] = 180 + noise() as u8;
                Rgb(px)
            });
            let ext = if i % 2 == 0 { "png" } else { "jpg" };
            img.save(d.join(format!("{i:03}.{ext}"))).unwrap();
        }
    }
    std::fs::write(dir.join("red/damaged.png"), b"\x89PNG\r\n\x1a\n not really").unwrap();
    // A BMP's first bytes (the image crate here reads PNG and JPEG only).
    std::fs::write(dir.join("green/old.bmp"), b"BM\x46\0\0\0\0\0\0\0\x36\0\0\0").unwrap();
    std::fs::write(dir.join("blue/notes.txt"), b"not an image").unwrap();
}

#[test]
fn folders_read_as_keras_reads_them() {
    let dir = TempDir::new("folder-read");
    colour_folder(&dir.0, 5);
    let f = load_image_folder(&dir.0, (8, 6, 3), false, None).unwrap();
    assert_eq!(f.class_names, ["blue", "green", "red"]);
    assert_eq!(f.images.shape, [15, 8, 6, 3]);
    assert_eq!(f.labels, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    assert!(f.images.data.iter().all(|v| (0.0..=1.0).contains(v)));
    // Each image's own channel is the brightest on average.
    for (i, &label) in f.labels.iter().enumerate() {
        let px = &f.images.data[i * 144..(i + 1) * 144];
        let mean = |c: usize| px.iter().skip(c).step_by(3).sum::<f32>() / 48.0;
        let bright = [2, 1, 0][label as usize];
        assert!(
            (0..3).all(|c| c == bright || mean(bright) > mean(c) + 0.3),
            "image {i}"
        );
    }
    let skipped: Vec<String> = f
        .skipped
        .iter()
        .map(|(p, why)| format!("{}: {why}", p.display()))
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped.iter().any(|s| s.contains("damaged.png")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|s| s.contains("old.bmp") && s.contains("PNG and JPEG")),
        "{skipped:?}"
    );

    // Grayscale for a one-channel model; a seeded shuffle is a permutation, the same twice.
    let g = load_image_folder(&dir.0, (5, 5, 1), false, Some(3)).unwrap();
    assert_eq!(g.images.shape, [15, 5, 5, 1]);
    let again = load_image_folder(&dir.0, (5, 5, 1), false, Some(3)).unwrap();
    assert_eq!(g.labels, again.labels);
    assert_ne!(g.labels, f.labels);
    let mut sorted = g.labels.clone();
    sorted.sort();
    assert_eq!(sorted, f.labels);

    // strict stops at the damaged file, naming it (and the setting: the CLI's --strict).
    let e = load_image_folder(&dir.0, (8, 6, 3), true, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("old.bmp") || e.contains("damaged.png"), "{e}");
    assert!(e.contains("load_image_folder's strict"), "{e}");
    // Folders without classes, and models with 2 or 4 channels.
    let empty = TempDir::new("folder-empty");
    let e = load_image_folder(&empty.0, (8, 8, 3), false, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("has no sub-folders"), "{e}");
    let e = load_image_folder(&dir.0, (8, 8, 4), false, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("grayscale (1) or RGB (3)"), "{e}");
}

#[test]
fn an_rgb_model_trains_on_a_folder_and_predicts_by_name() {
    let dir = TempDir::new("folder-cli");
    let data = dir.path("colours");
    colour_folder(&data, 20);
    std::fs::write(
        dir.path("rgb.json"),
        r#"{"input_shape": [8, 8, 3], "layers": [
            {"Conv2D": {"filters": 4, "kernel_size": 3, "activation": "relu"}},
            "Flatten", {"Dense": {"units": 3, "activation": "softmax"}}]}"#,
    )
    .unwrap();
    let (d, m, run) = (dir.s("colours"), dir.s("rgb.json"), dir.s("run"));
    let o = wgtrain(&[
        "train",
        "--model",
        &m,
        "--data-dir",
        &d,
        "--epochs",
        "8",
        "--lr",
        "0.01",
        "--device",
        "cpu",
        "--quiet",
        "--out",
        &run,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("damaged.png"),
        "reports skipped files: {}",
        stderr(&o)
    );
    let out = stdout(&o);
    let line = out.lines().find(|l| l.starts_with("test_loss")).unwrap();
    assert!(line.contains("(12 validation images"), "{line}");
    let acc: f32 = line.split("test_accuracy: ").nth(1).unwrap()[..6]
        .parse()
        .unwrap();
    assert!(acc >= 0.9, "colours are easy: {line}");

    // predict names the class, for an image of another size.
    let img = dir.path("reddish.png");
    RgbImage::from_pixel(30, 20, Rgb([220, 40, 50]))
        .save(&img)
        .unwrap();
    let ckpt = dir.s("run/checkpoint.safetensors");
    let o = wgtrain(&[
        "predict",
        &ckpt,
        &img.display().to_string(),
        "--device",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(": red ("), "{}", stdout(&o));

    // eval on the folder: every readable image, a 3×3 confusion matrix.
    let o = wgtrain(&["eval", &ckpt, "--data-dir", &d, "--device", "cpu", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["samples"], 60);
    assert_eq!(v["confusion"].as_array().unwrap().len(), 3);
    assert!(v["accuracy"].as_f64().unwrap() >= 0.9, "{v}");

    // Resuming on the same folder continues (same classes, same split by the seed).
    let o = wgtrain(&[
        "train",
        "--resume",
        &ckpt,
        "--data-dir",
        &d,
        "--epochs",
        "9",
        "--device",
        "cpu",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Epoch 9/9"), "{}", stdout(&o));

    // --strict refuses the folder; a model with the wrong number of outputs is named.
    let o = wgtrain(&[
        "train",
        "--model",
        &m,
        "--data-dir",
        &d,
        "--strict",
        "--device",
        "cpu",
        "--out",
        &dir.s("strict"),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("--strict"),
        "{}",
        stderr(&o)
    );
    let o = wgtrain(&[
        "train",
        "--model",
        "cnn",
        "--data-dir",
        &d,
        "--device",
        "cpu",
        "--out",
        &dir.s("cnn"),
    ]);
    assert!(
        !o.status.success(),
        "the MNIST CNN takes [28, 28, 1] and outputs 10"
    );
    let e = stderr(&o);
    assert!(e.contains("has 3 classes (blue, green, red)"), "{e}");
}
