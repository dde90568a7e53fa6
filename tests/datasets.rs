//! Data sets by name (`--dataset`): Fashion-MNIST and KMNIST are MNIST's format with their
//! own folders, fetch commands and class names; a model trained on one keeps the names, so
//! predict and eval say "Sneaker", not "7", and eval picks the set the model was trained on.
//! (Real files cannot be fetched here; a fake set in the same format stands in.)

mod common;

use common::{fake_mnist, idx_bytes, stderr, stdout, wgtrain, TempDir};
use wgtrain::data::{load_dataset_first, Dataset};

#[test]
fn names_folders_and_missing_files() {
    for d in Dataset::ALL {
        assert_eq!(d.name().parse::<Dataset>().unwrap(), d);
        if let Some(names) = d.class_names() {
            assert_eq!(names.len(), 10);
            assert_eq!(Dataset::from_class_names(&names), Some(d));
        }
    }
    assert_eq!(
        Dataset::FashionMnist.dir(None),
        std::path::Path::new("data/fashion_mnist")
    );
    let e = "emnist".parse::<Dataset>().unwrap_err().to_string();
    assert!(
        e.contains("mnist, fashion_mnist, kmnist or emnist_digits"),
        "{e}"
    );

    let dir = TempDir::new("dataset-missing");
    let e = load_dataset_first(Dataset::FashionMnist, &dir.0, None, None)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("Fashion-MNIST not found"), "{e}");
    assert!(
        e.contains(&format!(
            "bash scripts/fetch-dataset.sh fashion_mnist {}",
            dir.0.display()
        )),
        "{e}"
    );
    assert!(
        e.contains("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/$f.gz"),
        "{e}"
    );
}

#[test]
fn a_model_trained_on_fashion_mnist_speaks_its_class_names() {
    let dir = TempDir::new("dataset-fashion");
    let data = dir.path("fashion");
    fake_mnist(&data, 300, 60, (28, 28));
    let d = data.display().to_string();
    let run = dir.s("run");
    let o = wgtrain(&[
        "train",
        "--dataset",
        "fashion_mnist",
        "--data",
        &d,
        "--epochs",
        "1",
        "--device",
        "cpu",
        "--quiet",
        "--out",
        &run,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("(60 test images"), "{}", stdout(&o));
    let ckpt = dir.s("run/checkpoint.safetensors");

    // predict: Fashion-MNIST's names, the image prepared as that set's were.
    let img = dir.path("shoe.png");
    common::draw(
        60,
        40,
        &[&[(0.1, 0.7), (0.5, 0.4), (0.9, 0.7), (0.1, 0.7)]],
        6.0,
    )
    .save(&img)
    .unwrap();
    let o = wgtrain(&[
        "predict",
        &ckpt,
        &img.display().to_string(),
        "--device",
        "cpu",
        "--json",
        "--top",
        "10",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let names: Vec<&str> = v["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Sneaker") && names.contains(&"Ankle boot"),
        "{names:?}"
    );

    // eval picks Fashion-MNIST from the checkpoint; asking for MNIST is refused.
    let o = wgtrain(&["eval", &ckpt, "--data", &d, "--device", "cpu", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = wgtrain(&[
        "eval",
        &ckpt,
        "--dataset",
        "mnist",
        "--data",
        &d,
        "--device",
        "cpu",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("trained on Fashion-MNIST"),
        "{}",
        stderr(&o)
    );
    // Resuming on another data set is refused.
    let o = wgtrain(&[
        "train", "--resume", &ckpt, "--data", &d, "--epochs", "2", "--device", "cpu",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--dataset"), "{}", stderr(&o));
}

#[test]
fn emnist_digits_are_turned_upright() {
    let dir = TempDir::new("dataset-emnist");
    // Image i has one bright pixel at row 0, column i + 1 as stored (transposed): upright,
    // it is at row i + 1, column 0.
    let n = 3;
    let mut pixels = vec![0u8; n * 784];
    for i in 0..n {
        pixels[i * 784 + i + 1] = 255;
    }
    for split in ["train", "test"] {
        std::fs::write(
            dir.path(&format!("emnist-digits-{split}-images-idx3-ubyte")),
            idx_bytes(&[n as u32, 28, 28], &pixels),
        )
        .unwrap();
        std::fs::write(
            dir.path(&format!("emnist-digits-{split}-labels-idx1-ubyte")),
            idx_bytes(&[n as u32], &[1, 2, 3]),
        )
        .unwrap();
    }
    let m = load_dataset_first(Dataset::EmnistDigits, &dir.0, None, None).unwrap();
    for split in [&m.train, &m.test] {
        for i in 0..n {
            let img = &split.images.data[i * 784..(i + 1) * 784];
            assert_eq!(img[(i + 1) * 28], 1.0, "image {i}");
            assert_eq!(img.iter().sum::<f32>(), 1.0);
        }
    }
    // Missing: the zip-and-unzip command.
    let empty = TempDir::new("dataset-emnist-missing");
    let e = load_dataset_first(Dataset::EmnistDigits, &empty.0, None, None)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("EMNIST Digits not found"), "{e}");
    assert!(e.contains("emnist-digits-train-images-idx3-ubyte"), "{e}");
    assert!(e.contains("unzip -j -o"), "{e}");
}
