//! CIFAR-10 (`--dataset cifar10`): the reader of its binary version (the `.tar.gz` as
//! published, or the extracted folder), its refusals of damaged or foreign files, the seed
//! CNN on 32×32×3 (TensorFlow's CNN tutorial, Keras's parameter count) learning on both
//! devices, and train / eval / predict from the command line. The real archive cannot be
//! fetched here: each test writes a small one in exactly its format (ustar in gzip, the
//! same member names, 3,073-byte records).

mod common;

use std::io::Write;
use std::path::Path;

use common::{gpu_device, stderr, stdout, wgtrain, TempDir};
use wgtrain::data::{load_cifar10_first, load_cifar10_split, load_dataset_first, Dataset};
use wgtrain::nn::models::cifar10_cnn;
use wgtrain::nn::{to_categorical, Array, Device, Loss, Metric, Optimizer, Sequential};

const REC: usize = 3073;
const BATCHES: [&str; 6] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
    "test_batch.bin",
];
const META: &str = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";

/// Record `i` of batch `b`: label (b·7 + i) mod 10, plane c's pixel p = (p·3 + c·50 + b·11
/// + i) mod 256 — every pixel different, so a wrong layout cannot pass.
fn record(b: usize, i: usize) -> Vec<u8> {
    let mut r = vec![((b * 7 + i) % 10) as u8];
    for c in 0..3 {
        r.extend((0..1024).map(|p| ((p * 3 + c * 50 + b * 11 + i) % 256) as u8));
    }
    r
}

fn batch(b: usize, n: usize) -> Vec<u8> {
    (0..n).flat_map(|i| record(b, i)).collect()
}

/// One ustar member (`kind` b'0' a file, b'5' a folder), padded to 512 bytes.
fn tar_member(out: &mut Vec<u8>, name: &str, data: &[u8], kind: u8) {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let mut field =
        |at: usize, text: String| h[at..at + text.len()].copy_from_slice(text.as_bytes());
    field(100, "0000644\0".into());
    field(108, "0001750\0".into());
    field(116, "0001750\0".into());
    field(124, format!("{:011o}\0", data.len()));
    field(136, "14757040201\0".into());
    field(148, "        ".into());
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A tar of `members` (name, bytes) under cifar-10-batches-bin/, with the end marker.
fn tar(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut t = Vec::new();
    tar_member(&mut t, "cifar-10-batches-bin/", &[], b'5');
    for (name, data) in members {
        tar_member(&mut t, &format!("cifar-10-batches-bin/{name}"), data, b'0');
    }
    t.extend_from_slice(&[0u8; 1024]);
    t
}

/// The members of a well-formed archive with `n` records per batch, in a scrambled order
/// (the reader must not depend on it), with the readme the real one has.
fn members(n: usize) -> Vec<(&'static str, Vec<u8>)> {
    let mut m: Vec<(&str, Vec<u8>)> = vec![
        ("test_batch.bin", batch(5, n)),
        ("readme.html", b"<html>not read</html>".to_vec()),
        (BATCHES[2], batch(2, n)),
        ("batches.meta.txt", META.as_bytes().to_vec()),
    ];
    for b in [4, 0, 3, 1] {
        m.push((BATCHES[b], batch(b, n)));
    }
    m
}

fn write_archive(dir: &Path, members: &[(&str, Vec<u8>)]) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join("cifar-10-binary.tar.gz");
    std::fs::write(&p, gzip(&tar(members))).unwrap();
    p
}

fn err(r: wgtrain::Result<impl Sized>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// Pixel (y, x, c) of an image in NHWC data.
fn pixel(images: &Array, i: usize, y: usize, x: usize, c: usize) -> f32 {
    images.data[((i * 32 + y) * 32 + x) * 3 + c]
}

#[test]
fn the_archive_is_read_as_nhwc_in_batch_order() {
    let dir = TempDir::new("cifar-archive");
    write_archive(&dir.0, &members(4));
    let m = load_dataset_first(Dataset::Cifar10, &dir.0, None, None).unwrap();
    assert_eq!(m.train.images.shape, vec![20, 32, 32, 3]);
    assert_eq!(m.test.images.shape, vec![4, 32, 32, 3]);
    // Training images: batches 1..5 in order, whatever the archive's order.
    for (k, &label) in m.train.labels.iter().enumerate() {
        let (b, i) = (k / 4, k % 4);
        let rec = record(b, i);
        assert_eq!(label, rec[0], "training image {k}");
        for (y, x, c) in [(0, 0, 0), (0, 1, 0), (1, 0, 1), (31, 31, 2), (5, 17, 1)] {
            let want = rec[1 + c * 1024 + y * 32 + x] as f32 / 255.0;
            assert_eq!(
                pixel(&m.train.images, k, y, x, c),
                want,
                "image {k} ({y},{x},{c})"
            );
        }
    }
    let rec = record(5, 3);
    assert_eq!(m.test.labels[3], rec[0]);
    assert_eq!(
        pixel(&m.test.images, 3, 9, 30, 2),
        rec[1 + 2048 + 9 * 32 + 30] as f32 / 255.0
    );
    assert!(m.train.images.data.iter().all(|v| (0.0..=1.0).contains(v)));

    // Limits keep the first images in batch order: 4 from batch 1, 3 from batch 2.
    let first = load_cifar10_first(&dir.0, Some(7), Some(2)).unwrap();
    assert_eq!(first.train.labels, m.train.labels[..7]);
    assert_eq!(
        first.train.images.data,
        m.train.images.slice_rows(0, 7).data
    );
    assert_eq!(first.test.labels, m.test.labels[..2]);
    // One split, as eval reads it; the archive itself may be named.
    let archive = dir.path("cifar-10-binary.tar.gz");
    let (test, source) = load_cifar10_split(&archive, false, None).unwrap();
    assert_eq!(source, archive);
    assert_eq!(test.images.data, m.test.images.data);
    let (train, _) =
        wgtrain::data::load_dataset_split(Dataset::Cifar10, &dir.0, true, Some(5)).unwrap();
    assert_eq!(train.labels, m.train.labels[..5]);
}

#[test]
fn the_extracted_folder_reads_the_same() {
    let dir = TempDir::new("cifar-folder");
    write_archive(&dir.path("a"), &members(3));
    let from_archive = load_cifar10_first(dir.path("a"), None, None).unwrap();
    let folder = dir.path("x/cifar-10-batches-bin");
    std::fs::create_dir_all(&folder).unwrap();
    for (name, data) in members(3) {
        std::fs::write(folder.join(name), data).unwrap();
    }
    // Both the folder above it and the folder itself.
    for d in [dir.path("x"), folder.clone()] {
        let m = load_cifar10_first(&d, None, None).unwrap();
        assert_eq!(m.train.images.data, from_archive.train.images.data);
        assert_eq!(m.train.labels, from_archive.train.labels);
        assert_eq!(m.test.labels, from_archive.test.labels);
    }
    // A batch with a cut record names the file and what is over.
    let mut cut = batch(3, 3);
    cut.truncate(2 * REC + 5);
    std::fs::write(folder.join(BATCHES[3]), cut).unwrap();
    let e = err(load_cifar10_first(&folder, None, None));
    assert!(
        e.contains("data_batch_4.bin") && e.contains("2 whole records and 5 bytes over"),
        "{e}"
    );
    std::fs::remove_file(folder.join(BATCHES[3])).unwrap();
    let e = err(load_cifar10_first(&folder, None, None));
    assert!(
        e.contains("data_batch_4.bin") && e.contains("missing"),
        "{e}"
    );
}

#[test]
fn damaged_or_foreign_archives_are_refused_naming_file_member_and_record() {
    let dir = TempDir::new("cifar-hostile");
    let case = |name: &str, bytes: Vec<u8>| {
        let d = dir.path(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("cifar-10-binary.tar.gz"), bytes).unwrap();
        let e = err(load_cifar10_first(&d, None, None));
        assert!(
            e.contains(&d.join("cifar-10-binary.tar.gz").display().to_string()),
            "{e}"
        );
        e
    };
    // A label of 10 in record 2 of data_batch_4.
    let mut m = members(3);
    let at = m.iter().position(|(n, _)| *n == BATCHES[3]).unwrap();
    m[at].1[2 * REC] = 10;
    let e = case("label", gzip(&tar(&m)));
    assert!(
        e.contains("data_batch_4.bin") && e.contains("record 2 has label 10"),
        "{e}"
    );
    // A batch whose size is not whole records.
    let mut m = members(3);
    m[0].1.push(7);
    let e = case("size", gzip(&tar(&m)));
    assert!(
        e.contains("test_batch.bin") && e.contains("3 whole records and 1 bytes over"),
        "{e}"
    );
    // A missing batch.
    let m: Vec<_> = members(2)
        .into_iter()
        .filter(|(n, _)| *n != "test_batch.bin")
        .collect();
    let e = case("missing", gzip(&tar(&m)));
    assert!(e.contains("has no member test_batch.bin"), "{e}");
    // The Python version's archive.
    let mut t = Vec::new();
    tar_member(&mut t, "cifar-10-batches-py/data_batch_1", b"pickle", b'0');
    t.extend_from_slice(&[0u8; 1024]);
    let e = case("python", gzip(&t));
    assert!(
        e.contains("Python version") && e.contains("cifar-10-binary.tar.gz"),
        "{e}"
    );
    // Cut short: the gzip stream ends inside a batch.
    let whole = gzip(&tar(&members(3)));
    let e = case("cut", whole[..whole.len() * 2 / 3].to_vec());
    assert!(e.contains("cut") && e.contains("fetch it again"), "{e}");
    // A tar that ends without its end marker, inside a member.
    let mut t = tar(&members(2));
    t.truncate(t.len() - 1024 - 3000);
    let e = case("no-end", gzip(&t));
    assert!(e.contains("cut short"), "{e}");
    // A damaged header.
    let mut t = tar(&members(2));
    t[512 + 10] ^= 0x55;
    let e = case("checksum", gzip(&t));
    assert!(
        e.contains("wrong checksum") && e.contains("byte 512"),
        "{e}"
    );
    // Members declaring enormous sizes are refused before anything is read: over what a
    // batch may be (64 MiB), and over what the archive may hold (1 GiB).
    for (name, octal, says) in [
        ("big", "00620000000", "104857600 bytes, over the 64.0 MiB"),
        (
            "huge",
            "77777777777",
            "declares 8589934591 bytes; too large",
        ),
    ] {
        let mut t = Vec::new();
        tar_member(&mut t, "cifar-10-batches-bin/data_batch_1.bin", &[], b'0');
        t[124..136].copy_from_slice(format!("{octal}\0").as_bytes());
        let sum: u32 = t[..512]
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    b as u32
                }
            })
            .sum();
        t[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let e = case(name, gzip(&t));
        assert!(e.contains("data_batch_1.bin") && e.contains(says), "{e}");
    }
    // Another data set's class list.
    let mut m = members(2);
    let at = m
        .iter()
        .position(|(n, _)| *n == "batches.meta.txt")
        .unwrap();
    m[at].1 = b"apple\naquarium_fish\n".to_vec();
    let e = case("meta", gzip(&tar(&m)));
    assert!(
        e.contains("batches.meta.txt") && e.contains("not CIFAR-10's"),
        "{e}"
    );
    // Not gzip at all.
    let e = case("plain", b"hello, not an archive".to_vec());
    assert!(e.contains("fetch it again"), "{e}");
    // A batch appearing twice.
    let mut m = members(2);
    m.push((BATCHES[0], batch(0, 2)));
    let e = case("twice", gzip(&tar(&m)));
    assert!(e.contains("data_batch_1.bin appears twice"), "{e}");
}

#[test]
fn names_shapes_and_the_fetch_command() {
    let d = Dataset::Cifar10;
    assert_eq!("cifar10".parse::<Dataset>().unwrap(), d);
    assert_eq!(d.image_shape(), [32, 32, 3]);
    let names = d.class_names().unwrap();
    assert_eq!(names[0], "airplane");
    assert_eq!(names[9], "truck");
    assert_eq!(Dataset::from_class_names(&names), Some(d));
    assert_eq!(d.dir(None), Path::new("data/cifar10"));
    let dir = TempDir::new("cifar-missing");
    let e = err(load_dataset_first(d, &dir.0, None, None));
    assert!(e.contains("CIFAR-10 not found"), "{e}");
    assert!(
        e.contains(&format!(
            "bash scripts/fetch-dataset.sh cifar10 {}",
            dir.0.display()
        )),
        "{e}"
    );
    assert!(
        e.contains("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
        "{e}"
    );
    // The script knows the archive and its published SHA-256.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sums = std::fs::read_to_string(root.join("scripts/datasets.sha256")).unwrap();
    assert!(sums.lines().any(|l| l
        == "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd  \
            cifar10/cifar-10-binary.tar.gz"));
    let script = std::fs::read_to_string(root.join("scripts/fetch-dataset.sh")).unwrap();
    assert!(script.contains("cifar10) mirrors=(\"https://www.cs.toronto.edu/~kriz/\")"));
}

/// `n` learnable 32×32×3 records: class k is a bright 10×10 square in colour channel k mod
/// 3 at one of ten places, over dim noise.
fn learnable(seed: usize, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * REC);
    for i in 0..n {
        let k = (i * 7 + seed) % 10;
        out.push(k as u8);
        let (cy, cx) = (2 + (k / 5) * 16, 1 + (k % 5) * 5);
        for c in 0..3 {
            for y in 0..32 {
                for x in 0..32 {
                    let inside = (cy..cy + 10).contains(&y) && (cx..cx + 10).contains(&x);
                    let noise = ((i * 31 + y * 7 + x * 13 + c * 17 + seed) % 40) as u8;
                    out.push(if inside && c == k % 3 {
                        215 + noise
                    } else {
                        noise
                    });
                }
            }
        }
    }
    out
}

fn learnable_archive(dir: &Path, per_batch: usize) {
    let mut m: Vec<(&str, Vec<u8>)> = BATCHES
        .iter()
        .enumerate()
        .map(|(b, name)| (*name, learnable(b * 3, per_batch)))
        .collect();
    m.push(("batches.meta.txt", META.as_bytes().to_vec()));
    write_archive(dir, &m);
}

#[test]
fn the_seed_cnn_on_32x32x3_has_kerass_parameter_count() {
    let m = cifar10_cnn(Device::Cpu, 0).unwrap();
    // TensorFlow's CNN tutorial: model.summary() reports 122,570 parameters.
    assert_eq!(m.count_params(), 122_570);
    let s = m.summary();
    for want in [
        "(None, 30, 30, 32)",
        "(None, 15, 15, 32)",
        "(None, 13, 13, 64)",
        "(None, 6, 6, 64)",
        "(None, 4, 4, 64)",
        "(None, 1024)",
    ] {
        assert!(s.contains(want), "{want} not in\n{s}");
    }
    assert_eq!(m.input_shape(), [32, 32, 3]);

    // Keras 3.15.1's own to_json() of the tutorial's model (tests/fixtures/keras/, written
    // by `KERAS_JSON=… scripts/keras_reference.py 0 cnn --dataset cifar10`) builds the
    // same model: the same parameter count and the same weight shapes, layer by layer.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras/cifar10_cnn.json");
    let spec = wgtrain::nn::ModelSpec::load(&path).unwrap();
    let mut keras = Sequential::from_spec(&spec, Device::Cpu, 0).unwrap();
    keras.build().unwrap();
    assert_eq!(keras.count_params(), 122_570);
    assert_eq!(keras.input_shape(), [32, 32, 3]);
    let shapes = |m: &Sequential| -> Vec<Vec<usize>> {
        m.get_weights()
            .unwrap()
            .into_iter()
            .map(|w| w.array.shape)
            .collect()
    };
    assert_eq!(shapes(&keras), shapes(&m));
    assert_eq!(shapes(&m)[0], vec![3, 3, 3, 32]);
}

fn compiled(dev: Device) -> Sequential {
    let mut m = cifar10_cnn(dev, 7).unwrap();
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    m
}

#[test]
fn the_cnn_learns_synthetic_cifar10_on_cpu_and_gpu() {
    let dir = TempDir::new("cifar-learn");
    learnable_archive(&dir.0, 8);
    let m = load_cifar10_first(&dir.0, None, None).unwrap();
    let x = m.train.images.slice_rows(0, 32);
    let y = to_categorical(&m.train.labels[..32], 10).unwrap();
    let mut cpu = compiled(Device::Cpu);
    let mut gpu = gpu_device().map(compiled);
    let mut losses = Vec::new();
    for step in 0..8 {
        let lc = cpu.train_on_batch(&x, &y).unwrap();
        assert!(lc.is_finite(), "step {step}: cpu loss {lc}");
        if let Some(g) = gpu.as_mut() {
            let lg = g.train_on_batch(&x, &y).unwrap();
            println!("step {step}: loss gpu {lg:.6} cpu {lc:.6}");
            assert!(
                (lg - lc).abs() <= 1e-3 * lc.abs().max(1.0),
                "step {step}: gpu {lg} vs cpu {lc}"
            );
        }
        losses.push(lc);
    }
    println!("cpu losses: {losses:?}");
    assert!(
        losses[7] < 0.8 * losses[0],
        "the loss should fall on a learnable set: {losses:?}"
    );
    assert!(
        losses.windows(2).filter(|w| w[1] < w[0]).count() >= 6,
        "{losses:?}"
    );
}

/// A colour picture of `w`×`h`: blue sky over a red band (saved as PNG or JPEG by its
/// extension).
fn colour_picture(path: &Path, w: u32, h: u32) {
    let img = image::RgbImage::from_fn(w, h, |x, y| match y * 3 < h * 2 {
        true => image::Rgb([40, 90 + (x % 50) as u8, 230]),
        false => image::Rgb([210, 30, 20 + (y % 30) as u8]),
    });
    img.save(path).unwrap();
}

#[test]
fn train_eval_and_predict_from_the_command_line() {
    let dir = TempDir::new("cifar-cli");
    let data = dir.path("cifar");
    learnable_archive(&data, 12);
    let d = data.display().to_string();
    let run = dir.s("run");
    let o = wgtrain(&[
        "train",
        "--dataset",
        "cifar10",
        "--data",
        &d,
        "--model",
        "cnn",
        "--epochs",
        "1",
        "--device",
        "cpu",
        "--quiet",
        "--out",
        &run,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("(12 test images"), "{}", stdout(&o));
    let ckpt = dir.s("run/checkpoint.safetensors");

    // eval knows the data set from the class names.
    let o = wgtrain(&["eval", &ckpt, "--data", &d, "--device", "cpu", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["samples"], 12);
    let o = wgtrain(&[
        "eval", &ckpt, "--data", &d, "--split", "train", "--limit", "7", "--device", "cpu",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["samples"], 7);
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
    assert!(stderr(&o).contains("trained on CIFAR-10"), "{}", stderr(&o));

    // predict: a colour PNG and JPEG of another size, resized to 32×32 RGB, named by
    // CIFAR-10's classes; the probabilities are the model's on the resized image.
    let model = Sequential::load_for_inference(&ckpt, Device::Cpu).unwrap();
    for file in ["sky.png", "sky.jpg"] {
        let img = dir.path(file);
        colour_picture(&img, 61, 47);
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
        let top = v["top"].as_array().unwrap();
        assert_eq!(top.len(), 10);
        let pixels = wgtrain::data::load_image(&img, (32, 32, 3)).unwrap();
        // The picture keeps its colours: the sky is blue, the band red.
        assert!(pixels[2] > 0.8 && pixels[0] < 0.3, "{:?}", &pixels[..3]);
        let last = (31 * 32) * 3;
        assert!(pixels[last] > 0.7 && pixels[last + 2] < 0.3);
        let want = model
            .predict(&Array::new(&[1, 32, 32, 3], pixels).unwrap())
            .unwrap();
        for t in top {
            let c = t["class"].as_u64().unwrap() as usize;
            assert_eq!(t["name"], Dataset::Cifar10.class_names().unwrap()[c]);
            let p = t["probability"].as_f64().unwrap() as f32;
            assert!(
                (p - want.data[c]).abs() < 1e-5,
                "{file} class {c}: {p} vs {}",
                want.data[c]
            );
        }
    }

    // Exported weights with `--model cnn`: built for 32×32×3 (the file keeps CIFAR-10's
    // class names), the same answer as the checkpoint's.
    let exported = dir.s("exported");
    let o = wgtrain(&["export", &ckpt, "--out", &exported]);
    assert!(o.status.success(), "{}", stderr(&o));
    let img = dir.s("sky.png");
    let weights = dir.s("exported/model.safetensors");
    let answers: Vec<String> = [
        vec!["predict", &ckpt, &img, "--device", "cpu", "--json"],
        vec![
            "predict",
            "--weights",
            &weights,
            "--model",
            "cnn",
            &img,
            "--device",
            "cpu",
            "--json",
        ],
    ]
    .iter()
    .map(|args| {
        let o = wgtrain(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    })
    .collect();
    assert_eq!(answers[0], answers[1]);
}

#[test]
fn mutated_archives_are_read_or_refused_never_a_panic() {
    // Bytes changed all over the tar (headers, sizes, labels, padding, the end marker)
    // and the gzip stream cut anywhere: each load returns, Ok or an error naming the file.
    let dir = TempDir::new("cifar-mutated");
    let clean = tar(&members(2));
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let archive = dir.path("cifar-10-binary.tar.gz");
    let (mut ok, mut refused) = (0, 0);
    for round in 0..150 {
        let mut t = clean.clone();
        let bytes = match round % 3 {
            // A byte in a header block (the first 512 of some member) or anywhere.
            0 => {
                let block = (next() as usize % (t.len() / 512)) * 512;
                t[block + next() as usize % 512] = next() as u8;
                gzip(&t)
            }
            1 => {
                let at = next() as usize % t.len();
                t[at] = t[at].wrapping_add(1 + (next() % 255) as u8);
                gzip(&t)
            }
            _ => {
                let g = gzip(&t);
                g[..next() as usize % g.len()].to_vec()
            }
        };
        std::fs::write(&archive, bytes).unwrap();
        match load_cifar10_first(&dir.0, None, None) {
            Ok(m) => {
                ok += 1;
                assert_eq!(m.train.images.shape[1..], [32, 32, 3]);
                assert!(m.train.labels.iter().all(|&l| l <= 9));
            }
            Err(e) => {
                refused += 1;
                let e = e.to_string();
                assert!(e.contains(&archive.display().to_string()), "{e}");
            }
        }
    }
    // Pixel changes read fine; header and label damage is refused.
    assert!(ok > 0 && refused > 0, "ok {ok}, refused {refused}");
}
