//! The IDX / MNIST reader on good and bad files: raw and gzip, truncated files, a wrong
//! magic, an unsupported element type, image/label count mismatches, corrupt gzip, and a
//! missing folder (whose error gives the fetch command). No GPU, no network.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::TempDir;
use wgtrain::data::{load_mnist, load_split, read_idx};
use wgtrain::nn::to_categorical;

fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(data);
    v
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn temp_dir(name: &str) -> TempDir {
    TempDir::new(&format!("data-{name}"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[track_caller]
fn err_of<T: std::fmt::Debug>(r: wgtrain::Result<T>) -> String {
    r.expect_err("should fail").to_string()
}

/// A fake MNIST split: n images of 4×3 pixels and their labels.
fn fake_split(dir: &Path, prefix: &str, n: usize, labels: usize, gzip: bool) {
    let pixels: Vec<u8> = (0..n * 12).map(|i| (i * 7 % 256) as u8).collect();
    let lab: Vec<u8> = (0..labels).map(|i| (i % 10) as u8).collect();
    let im = idx_bytes(&[n as u32, 4, 3], &pixels);
    let lb = idx_bytes(&[labels as u32], &lab);
    let (ext, im, lb) = if gzip {
        (".gz", gz(&im), gz(&lb))
    } else {
        ("", im, lb)
    };
    write(dir, &format!("{prefix}-images-idx3-ubyte{ext}"), &im);
    write(dir, &format!("{prefix}-labels-idx1-ubyte{ext}"), &lb);
}

#[test]
fn reads_raw_and_gzip_files_alike() {
    let d = temp_dir("ok");
    let raw = idx_bytes(&[2, 3], &[1, 2, 3, 4, 5, 255]);
    let a = read_idx(write(&d, "a-idx", &raw)).unwrap();
    let b = read_idx(write(&d, "b-idx.gz", &gz(&raw))).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.dims, vec![2, 3]);
    assert_eq!(a.data, vec![1, 2, 3, 4, 5, 255]);

    fake_split(&d, "train", 5, 5, true);
    fake_split(&d, "t10k", 2, 2, false);
    let m = load_mnist(&d).unwrap();
    assert_eq!(m.train.images.shape, vec![5, 4, 3, 1]);
    assert_eq!(m.test.images.shape, vec![2, 4, 3, 1]);
    assert_eq!(m.train.labels, vec![0, 1, 2, 3, 4]);
    assert_eq!(m.train.images.data[1], 7.0 / 255.0);
    assert!(m
        .train
        .images
        .data
        .iter()
        .all(|&v| (0.0..=1.0).contains(&v)));
}

#[test]
fn truncated_files_are_errors_naming_the_file() {
    let d = temp_dir("trunc");
    let full = idx_bytes(&[10, 28, 28], &[0; 10 * 784]);
    for (name, bytes) in [
        ("short-magic", &full[..3]),
        ("short-header", &full[..9]),
        ("short-data", &full[..full.len() - 1]),
    ] {
        let p = write(&d, name, bytes);
        let e = err_of(read_idx(&p));
        assert!(e.contains(name) && e.contains("truncated"), "{e}");
    }
    // A gzip stream cut in half.
    let z = gz(&full);
    let p = write(&d, "cut.gz", &z[..z.len() / 2]);
    let e = err_of(read_idx(&p));
    assert!(e.contains("cut.gz") && e.contains("gzip"), "{e}");
    // Extra bytes after the data.
    let mut long = full.clone();
    long.push(0);
    let e = err_of(read_idx(write(&d, "long", &long)));
    assert!(e.contains("unexpected bytes"), "{e}");
}

#[test]
fn wrong_magic_and_element_type_are_errors() {
    let d = temp_dir("magic");
    let e = err_of(read_idx(write(&d, "png", b"\x89PNG\r\n\x1a\n0000")));
    assert!(e.contains("png") && e.contains("not an IDX file"), "{e}");
    let mut f32_idx = idx_bytes(&[1], &[0, 0, 0, 0]);
    f32_idx[2] = 0x0d;
    let e = err_of(read_idx(write(&d, "floats", &f32_idx)));
    assert!(e.contains("0x0d") && e.contains("not supported"), "{e}");
}

#[test]
fn corrupt_gzip_is_an_error() {
    let d = temp_dir("gz");
    let mut z = gz(&idx_bytes(&[4], &[1, 2, 3, 4]));
    let mid = z.len() / 2;
    z[mid] ^= 0xff;
    z[mid + 1] ^= 0x55;
    let e = err_of(read_idx(write(&d, "bad.gz", &z)));
    assert!(e.contains("bad.gz"), "{e}");
}

#[test]
fn image_and_label_counts_must_agree() {
    let d = temp_dir("count");
    fake_split(&d, "train", 5, 4, false);
    let e = err_of(load_split(
        d.join("train-images-idx3-ubyte"),
        d.join("train-labels-idx1-ubyte"),
    ));
    assert!(e.contains("4 labels") && e.contains("5 images"), "{e}");
    // A label that is not a digit.
    write(&d, "bad-labels", &idx_bytes(&[5], &[0, 1, 2, 10, 3]));
    let e = err_of(load_split(
        d.join("train-images-idx3-ubyte"),
        d.join("bad-labels"),
    ));
    assert!(e.contains("label 10 at index 3"), "{e}");
}

#[test]
fn missing_data_gives_the_fetch_command() {
    let d = temp_dir("missing");
    let e = err_of(load_mnist(&d));
    assert!(
        e.contains("bash scripts/fetch-mnist.sh") && e.contains(&d.display().to_string()),
        "{e}"
    );
    // A command that works without a checkout (an installed binary).
    assert!(
        e.contains(&format!("mkdir -p '{}'", d.display()))
            && e.contains("curl -fL -o")
            && e.contains("https://ossci-datasets.s3.amazonaws.com/mnist/$f.gz"),
        "{e}"
    );
}

#[test]
fn to_categorical_one_hot_and_range_check() {
    let y = to_categorical(&[2u8, 0, 1], 3).unwrap();
    assert_eq!(y.shape, vec![3, 3]);
    assert_eq!(y.data, vec![0., 0., 1., 1., 0., 0., 0., 1., 0.]);
    let e = err_of(to_categorical(&[1u8, 3], 3));
    assert!(e.contains("label 3 at index 1"), "{e}");
}
