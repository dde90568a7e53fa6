//! Property tests over hostile inputs (a bounded, seeded number of cases, run with every
//! `cargo test`): mutated IDX files (raw and gzip), model descriptions, checkpoints and
//! images. Each must give a clear error or a valid result, never a panic, and never
//! allocate more than the input justifies — measured by a counting allocator on the test's
//! own thread. Also the specific gzip cases: a bomb that inflates far past its declared
//! size, a header declaring more than a gzip file can hold, bytes after the stream, and
//! `--limit` keeping memory to what it keeps. The coverage-guided versions of these are the
//! cargo-fuzz targets in fuzz/.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

use common::{idx_bytes, TempDir};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wgtrain::nn::{Device, ModelSpec, Sequential};

/// Counts live and peak bytes allocated by each thread (deallocations from another thread
/// count where they happen, saturating at zero).
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grew(n: usize) {
    let _ = LIVE.try_with(|l| {
        let v = l.get() + n;
        l.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
}

fn shrank(n: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(n)));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        shrank(l.size());
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new > l.size() {
                grew(new - l.size());
            } else {
                shrank(l.size() - new);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Run `f`; its result and the most bytes it had allocated at once (on this thread).
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(|l| l.get());
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, PEAK.with(|p| p.get()) - base)
}

const MIB: usize = 1 << 20;

/// A random mutation of `input`: bit flips, interesting bytes and words, insertions,
/// deletions, truncation, duplicated ranges.
fn mutate(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..rng.random_range(1..=6) {
        let n = v.len();
        match rng.random_range(0..8) {
            0 if n > 0 => {
                let i = rng.random_range(0..n);
                v[i] ^= 1 << rng.random_range(0..8);
            }
            1 if n > 0 => {
                let i = rng.random_range(0..n);
                v[i] = [0, 0xff, 0x7f, 0x80, b'9', b'"', b'{', b'-'][rng.random_range(0..8)];
            }
            2 if n >= 4 => {
                let i = rng.random_range(0..n - 3);
                let w: u32 =
                    [0, 1, u32::MAX, 0x7fff_ffff, 60_000, 28, 1 << 24][rng.random_range(0..7)];
                let b = match rng.random_bool(0.5) {
                    true => w.to_be_bytes(),
                    false => w.to_le_bytes(),
                };
                v[i..i + 4].copy_from_slice(&b);
            }
            3 => {
                let i = rng.random_range(0..=n);
                let k = rng.random_range(1..16);
                let ins: Vec<u8> = (0..k).map(|_| rng.random()).collect();
                v.splice(i..i, ins);
            }
            4 if n > 1 => {
                let i = rng.random_range(0..n);
                let j = (i + rng.random_range(1..32)).min(n);
                v.drain(i..j);
            }
            5 if n > 0 => v.truncate(rng.random_range(0..n)),
            6 if n > 1 => {
                let i = rng.random_range(0..n);
                let j = (i + rng.random_range(1..64)).min(n);
                let dup = v[i..j].to_vec();
                let at = rng.random_range(0..=v.len());
                v.splice(at..at, dup);
            }
            _ => {
                // Digits in text become huge or odd numbers.
                if let Some(i) = (0..n).find(|&i| v[(i + n / 3) % n].is_ascii_digit()) {
                    let i = (i + n / 3) % n;
                    let s: &[u8] = [
                        &b"18446744073709551616"[..],
                        b"1e300",
                        b"-1",
                        b"0",
                        b"4294967296",
                        b"99999999",
                    ][rng.random_range(0..6)];
                    v.splice(i..i + 1, s.iter().copied());
                }
            }
        }
    }
    v
}

/// Run `case` on `n` mutations of each seed input: no panic, and at most `budget(input)`
/// bytes allocated at once. On failure the input is saved for replay.
fn check_mutations(
    what: &str,
    seeds: &[Vec<u8>],
    n: usize,
    budget: impl Fn(&[u8]) -> usize,
    case: impl Fn(&[u8]),
) {
    let mut rng = StdRng::seed_from_u64(0xf022 ^ what.len() as u64);
    let mut worst = 0usize;
    for i in 0..n {
        let input = mutate(&mut rng, &seeds[i % seeds.len()]);
        let (r, peak) = peak_of(|| catch_unwind(AssertUnwindSafe(|| case(&input))));
        if r.is_err() || peak > budget(&input) {
            let p = std::env::temp_dir().join(format!("wgtrain-{what}-case-{i}"));
            std::fs::write(&p, &input).unwrap();
            panic!(
                "{what} case {i}: {} (peak {peak} bytes for a {}-byte input); saved to {}",
                if r.is_err() {
                    "panicked"
                } else {
                    "allocated too much"
                },
                input.len(),
                p.display()
            );
        }
        worst = worst.max(peak);
    }
    println!("{what}: {n} mutated inputs, no panic, largest allocation peak {worst} bytes");
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn idx_files_mutated_never_panic_or_overallocate() {
    let images: Vec<u8> = (0..50 * 28 * 28).map(|i| (i * 7 % 256) as u8).collect();
    let raw = idx_bytes(&[50, 28, 28], &images);
    let labels = idx_bytes(&[50], &[3; 50]);
    let seeds = vec![raw.clone(), gz(&raw), labels.clone(), gz(&labels)];
    // Raw input: at most what the file holds (+ the 64 KiB read buffer); gzip: what the
    // stream really inflates to, which these small streams keep under a few MiB.
    check_mutations("idx", &seeds, 1500, |b| 4 * b.len() + 2 * MIB, idx_case);
}

#[test]
fn gzip_bombs_stop_at_the_declared_size() {
    // Declares 10 images of 28×28 (7,840 bytes) but inflates to 64 MiB.
    let mut body = idx_bytes(&[10, 28, 28], &[0; 7840]);
    body.resize(64 * MIB, 0);
    let bomb = gz(&body);
    assert!(bomb.len() < 200_000, "the bomb is {} bytes", bomb.len());
    let (r, peak) = peak_of(|| wgtrain::data::parse_idx_bytes(&bomb, None));
    let e = r.unwrap_err();
    assert!(
        e.contains("unexpected bytes after the 7840 data bytes"),
        "{e}"
    );
    assert!(peak < 2 * MIB, "reading the bomb allocated {peak} bytes");

    // A header declaring more than deflate can expand the file to.
    let liar = gz(&idx_bytes(&[60_000, 28_000, 28_000], &[1, 2, 3]));
    let (r, peak) = peak_of(|| wgtrain::data::parse_idx_bytes(&liar, None));
    assert!(
        r.unwrap_err().contains("more than a gzip file of"),
        "ratio check"
    );
    assert!(peak < MIB, "{peak}");

    // Bytes after the gzip stream.
    let mut tail = gz(&idx_bytes(&[2], &[1, 2]));
    tail.extend_from_slice(b"junk");
    let e = wgtrain::data::parse_idx_bytes(&tail, None).unwrap_err();
    assert!(e.contains("after the end of the gzip stream"), "{e}");

    // A limit keeps memory to what it keeps, while the rest is still checked.
    let many: Vec<u8> = (0..20_000 * 784).map(|i| (i % 251) as u8).collect();
    let file = gz(&idx_bytes(&[20_000, 28, 28], &many));
    let (r, peak) = peak_of(|| wgtrain::data::parse_idx_bytes(&file, Some(100)));
    let a = r.unwrap();
    assert_eq!(
        (a.dims.clone(), a.file_items, a.data.len()),
        (vec![100, 28, 28], 20_000, 78_400)
    );
    assert!(
        peak < 2 * MIB,
        "a limit of 100 images allocated {peak} bytes"
    );
    let mut cut = file.clone();
    cut.truncate(file.len() - 100);
    assert!(
        wgtrain::data::parse_idx_bytes(&cut, Some(100)).is_err(),
        "the rest is checked"
    );
}

#[test]
fn mnist_with_a_limit_keeps_only_what_it_uses() {
    let dir = TempDir::new("limit-memory");
    common::fake_mnist(&dir, 20_000, 2_000, (28, 28));
    let (m, full) = peak_of(|| wgtrain::data::load_mnist(&dir).unwrap());
    drop(m);
    let (m, limited) =
        peak_of(|| wgtrain::data::load_mnist_first(&dir, Some(500), Some(100)).unwrap());
    assert_eq!((m.train.len(), m.test.len()), (500, 100));
    println!(
        "MNIST-shaped 20,000 + 2,000 images: peak {full} bytes whole, {limited} with --limit 500"
    );
    assert!(limited * 20 < full, "limit: {limited} vs whole {full}");
}

/// Valid model descriptions to mutate.
fn model_texts() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut v: Vec<Vec<u8>> = ["mnist_mlp.json", "mnist_cnn.json", "mnist_cnn_dropout.json"]
        .iter()
        .map(|f| std::fs::read(root.join(f)).unwrap())
        .collect();
    v.push(
        br#"{"input_shape": [28, 28, 1], "layers": [{"Conv2D": {"filters": 4, "kernel_size": [3, 2], "strides": 2, "padding": "same", "activation": "tanh"}}, {"MaxPooling2D": {"pool_size": 2, "strides": [1, 2]}}, "Flatten", {"Dropout": {"rate": 0.5}}, {"Dense": {"units": 10, "activation": "softmax"}}]}"#
            .to_vec(),
    );
    // Keras's own model JSON (real to_json() output of Keras 3).
    let keras = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras");
    for f in ["mnist_mlp.json", "mnist_cnn_bn.json"] {
        v.push(std::fs::read(keras.join(f)).unwrap());
    }
    v
}

#[test]
fn model_descriptions_mutated_never_panic_or_overallocate() {
    check_mutations(
        "model",
        &model_texts(),
        3000,
        |b| 64 * b.len() + MIB,
        model_case,
    );
}

/// A small trained model's checkpoint.
fn checkpoint_bytes() -> Vec<u8> {
    let dir = TempDir::new("fuzz-ckpt");
    let p = dir.path("c.safetensors");
    let text = String::from_utf8(model_texts()[3].clone()).unwrap();
    let mut m = Sequential::from_spec(
        &ModelSpec::from_json(&text, "seed").unwrap(),
        Device::Cpu,
        1,
    )
    .unwrap();
    m.compile(
        wgtrain::nn::Optimizer::adam(),
        wgtrain::nn::Loss::CategoricalCrossentropy,
        &[wgtrain::nn::Metric::Accuracy],
    )
    .unwrap();
    let x = wgtrain::nn::Array::new(&[8, 28, 28, 1], common::randn(1, 8 * 784, 1.0)).unwrap();
    let y = wgtrain::nn::to_categorical(&[1u8, 2, 3, 4, 5, 6, 7, 8], 10).unwrap();
    let o = wgtrain::nn::FitOptions {
        epochs: 2,
        batch_size: 4,
        verbose: wgtrain::nn::Verbose::Silent,
        ..Default::default()
    };
    m.fit(&x, &y, &o).unwrap();
    m.save(&p).unwrap();
    std::fs::read(p).unwrap()
}

#[test]
fn checkpoints_mutated_never_panic_or_overallocate() {
    let good = checkpoint_bytes();
    // Mutations aimed at the header (where the structure is) and anywhere.
    let n = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    let header_only = good[..8 + n].to_vec();
    let rest = good[8 + n..].to_vec();
    let mut rng = StdRng::seed_from_u64(77);
    let mut seeds = vec![good.clone()];
    for _ in 0..8 {
        let mut h = mutate(&mut rng, &header_only);
        h.extend_from_slice(&rest);
        seeds.push(h);
    }
    check_mutations(
        "checkpoint",
        &seeds,
        1500,
        |b| 8 * b.len() + 4 * MIB,
        checkpoint_case,
    );
}

fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let img = common::draw(40, 48, &[&[(0.3, 0.2), (0.7, 0.2), (0.5, 0.9)]], 6.0);
    let mut buf = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut buf, format)
        .unwrap();
    buf.into_inner()
}

#[test]
fn images_mutated_never_panic_or_overallocate() {
    let seeds = vec![
        encoded(image::ImageFormat::Png),
        encoded(image::ImageFormat::Jpeg),
    ];
    // A header may declare at most ~1100× the file in pixels (and the decoder's ceiling
    // is 512 MiB); decoding, conversion to gray and resizing take a few copies of that.
    check_mutations(
        "image",
        &seeds,
        1500,
        |b| 8 * 1100 * b.len() + 16 * MIB,
        image_case,
    );
}

/// What the idx fuzz target does with its input.
fn idx_case(b: &[u8]) {
    let _ = wgtrain::data::parse_idx_bytes(b, None);
    let _ = wgtrain::data::parse_idx_bytes(b, Some(3));
    let _ = wgtrain::data::parse_idx(b);
}

/// What the model fuzz target does with its input.
fn model_case(b: &[u8]) {
    let Ok(text) = std::str::from_utf8(b) else {
        return;
    };
    let Ok(spec) = ModelSpec::from_json(text, "fuzz") else {
        return;
    };
    // A description that parses round-trips, and building it only computes shapes.
    assert_eq!(
        ModelSpec::from_json(&spec.to_json(), "again").unwrap(),
        spec
    );
    assert_eq!(
        ModelSpec::from_json(&spec.to_keras_json(), "as Keras JSON").unwrap(),
        spec
    );
    if let Ok(m) = Sequential::from_spec(&spec, Device::Cpu, 0) {
        let _ = m.check_fits(32);
        let _ = m.summary();
    }
}

/// What the checkpoint fuzz target does with its input.
fn checkpoint_case(b: &[u8]) {
    for inference in [false, true] {
        if let Ok(m) = Sequential::load_from_bytes(b, "fuzz", Device::Cpu, inference) {
            let mut shape = vec![1];
            shape.extend_from_slice(m.input_shape());
            let n: usize = shape.iter().product();
            if n <= 1 << 20 {
                let x = wgtrain::nn::Array::new(&shape, vec![0.5; n]).unwrap();
                let _ = m.predict(&x);
            }
        }
    }
}

/// What the image fuzz target does with its input.
fn image_case(b: &[u8]) {
    if let Ok(img) = wgtrain::data::decode_bytes(b) {
        let _ = wgtrain::data::digit_from_image(&img);
    }
}

/// Every input the fuzzers ever crashed on (fuzz/regressions/<target>/) stays fixed.
#[test]
fn fuzz_findings_stay_fixed() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut n = 0;
    for (target, case) in [
        ("idx", idx_case as fn(&[u8])),
        ("model", model_case),
        ("checkpoint", checkpoint_case),
        ("image", image_case),
    ] {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for f in dir {
            let p = f.unwrap().path();
            let input = std::fs::read(&p).unwrap();
            let r = catch_unwind(AssertUnwindSafe(|| case(&input)));
            assert!(r.is_ok(), "{} panics again", p.display());
            n += 1;
        }
    }
    assert!(n >= 1, "no regression inputs under {}", root.display());
}
