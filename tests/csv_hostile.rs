//! Hostile and messy CSV input (issue 23): memory bounded by the dataset, not the text
//! (measured in a child process from /proc's high-water mark); `/dev/zero`, a FIFO or a
//! file over the size limit refused at once; duplicate header names; numeric labels
//! written several ways (`0`, `0.0`, `00`) read as one class each; values near 1e200 that
//! train, save and predict like any others, and damaged statistics refused on load;
//! `--top-k` above the class count; an empty class shown as `n/a`; labels too long for a
//! checkpoint refused with their line.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{stderr, stdout, train_images, train_table, TempDir};
use wgtrain::data::{load_csv, LabelsRead, Tabular, Target};

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    std::fs::write(dir.path(name), text).unwrap();
    dir.s(name)
}

/// `wgtrain args`, killed (and the test failed) if it runs past `limit`: a regression
/// that blocks on a FIFO fails instead of hanging the suite.
fn wgtrain_within(args: &[&str], limit: Duration) -> Output {
    common::fixed_kernels();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wgtrain");
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("wgtrain {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn wgtrain(args: &[&str]) -> Output {
    wgtrain_within(args, Duration::from_secs(300))
}

fn error_of(path: &str, target: &str, classify: bool) -> String {
    load_csv(Path::new(path), target, classify, |n| n)
        .err()
        .unwrap_or_else(|| panic!("{path} read"))
        .to_string()
}

/// Kilobytes of /proc/self/status's `key` (VmHWM: the peak resident memory).
fn status_kb(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s.lines().find(|l| l.starts_with(key)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_large_csv_is_read_in_memory_bounded_by_its_f32_size() {
    if !Path::new("/proc/self/status").exists() {
        eprintln!("no /proc/self/status: skipping the peak-memory measurement");
        return;
    }
    const CHILD: &str = "WGTRAIN_CSV_MEMORY_CHILD";
    if let Ok(path) = std::env::var(CHILD) {
        // In a child process of its own, so nothing else moves the high-water mark.
        let before = status_kb("VmHWM:");
        let t = load_csv(Path::new(&path), "y", false, |n| n - n / 5).unwrap();
        let peak = status_kb("VmHWM:");
        let f32_kb = ((t.features.data.len() + t.features.rows()) * 4 / 1024) as u64;
        println!(
            "peak grew {} KiB for {f32_kb} KiB of f32 data",
            peak - before
        );
        assert!(
            peak - before <= 2 * f32_kb + 4096,
            "reading grew the peak by {} KiB for {f32_kb} KiB of f32 data",
            peak - before
        );
        return;
    }
    let dir = TempDir::new("csv-memory");
    let path = dir.path("big.csv");
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let cols: Vec<String> = (0..16).map(|i| format!("x{i}")).collect();
        writeln!(w, "{},y", cols.join(",")).unwrap();
        for r in 0..200_000u32 {
            for c in 0..16 {
                write!(w, "{},", (r * 7 + c * 3) % 10).unwrap();
            }
            writeln!(w, "{}", r % 5).unwrap();
        }
    }
    let o = Command::new(std::env::current_exe().unwrap())
        .args([
            "a_large_csv_is_read_in_memory_bounded_by_its_f32_size",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, &path)
        .output()
        .unwrap();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(o.status.success() && out.contains("peak grew"), "{out}");
}

#[test]
fn endless_and_non_regular_files_are_refused_at_once() {
    let dir = TempDir::new("csv-endless");
    let net = write(
        &dir,
        "net.json",
        r#"{"input_shape": [1], "layers": [{"Dense": {"units": 1}}]}"#,
    );
    let table = write(&dir, "t.csv", "x,y\n1,2\n2,4\n3,6\n4,8\n5,10\n");
    let o = train_table(&table, "y", &net, &dir.s("run"), &["--loss", "mse"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = dir.s("run/checkpoint.safetensors");
    let mut sources = vec![("/dev/zero".to_string(), "a character device")];
    #[cfg(unix)]
    {
        let fifo = dir.s("rows.fifo");
        let made = Command::new("mkfifo").arg(&fifo).status();
        match made {
            Ok(s) if s.success() => sources.push((fifo, "a FIFO")),
            _ => eprintln!("mkfifo is not available: the FIFO case is skipped"),
        }
    }
    #[cfg(not(unix))]
    sources.clear();
    for (source, kind) in &sources {
        let runs = [
            vec![
                "train", "--csv", source, "--target", "y", "--model", &net, "--loss", "mse",
                "--epochs", "1", "--device", "cpu", "--out",
            ],
            vec!["predict", &ckpt, "--csv", source, "--device", "cpu"],
        ];
        for (i, mut args) in runs.into_iter().enumerate() {
            let out = dir.s(&format!("r{i}"));
            if i == 0 {
                args.push(&out);
            }
            let o = wgtrain_within(&args, Duration::from_secs(60));
            let e = stderr(&o);
            assert!(!o.status.success(), "{args:?} succeeded");
            assert!(
                e.contains(&format!("not a regular file ({kind})")) && e.contains(source),
                "{args:?}: {e}"
            );
        }
    }
}

#[test]
fn a_csv_over_the_size_limit_is_refused_at_the_limit() {
    let dir = TempDir::new("csv-huge");
    let path = dir.path("huge.csv");
    std::fs::write(&path, "a,b\n1,2\n").unwrap();
    // Sparse: no disk is used for the size.
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(wgtrain::data::MAX_CSV_BYTES + 1).unwrap();
    let e = error_of(&path.display().to_string(), "b", false);
    assert!(
        e.contains("larger than the 1") && e.contains("CSV table"),
        "{e}"
    );
}

#[test]
fn duplicate_header_names_are_refused_with_both_positions() {
    let dir = TempDir::new("csv-dup");
    let p = write(&dir, "d.csv", "x,a,y,b,x\n1,2,3,4,5\n");
    let e = error_of(&p, "y", false);
    assert!(
        e.contains("column \"x\" appears twice: columns 1 and 5"),
        "{e}"
    );
    // predict reads columns by name: the same refusal.
    let t = load_csv(
        Path::new(&write(&dir, "ok.csv", "x,y\n1,2\n3,4\n")),
        "y",
        false,
        |n| n,
    )
    .unwrap();
    let e = t
        .tabular
        .read_rows_for_predict(Path::new(&write(&dir, "p.csv", "y,x,x\n1,2,3\n")))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("column \"x\" appears twice: columns 2 and 3"),
        "{e}"
    );
}

#[test]
fn numeric_labels_are_read_as_numbers_however_written() {
    let dir = TempDir::new("csv-labels");
    // Two classes in six spellings (and -0, 0e0, +1), in an order that used to make
    // each change of spelling a class of its own.
    let spellings = [
        ["0", "0.0", "00", "-0", "0e0"],
        ["1", "1.0", "01", "+1", "1e0"],
    ];
    let mut text = String::from("a,y\n");
    let mut want = Vec::new();
    for i in 0..300usize {
        let class = (i * 7 / 3) % 2;
        text += &format!("{i},{}\n", spellings[class][(i * 13) % 5]);
        want.push(class as u8);
    }
    let p = write(&dir, "two.csv", &text);
    let t = load_csv(Path::new(&p), "y", true, |n| n).unwrap();
    assert_eq!(
        t.tabular.classes.as_deref(),
        Some(&["0".into(), "1".into()][..])
    );
    assert_eq!(t.labels_read, Some(LabelsRead::Numbers));
    match t.target {
        Target::Classes(l) => assert_eq!(l, want),
        Target::Values(_) => panic!("a classification"),
    }
    // Ten digits written d, d.0 and 0d: ten classes, sorted as numbers.
    let mut text = String::from("a,y\n");
    for i in 0..60 {
        let d = (i * 3) % 10;
        text += &format!(
            "{i},{}\n",
            [format!("{d}"), format!("{d}.0"), format!("0{d}")][i % 3]
        );
    }
    let t = load_csv(Path::new(&write(&dir, "ten.csv", &text)), "y", true, |n| n).unwrap();
    let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    assert_eq!(t.tabular.classes, Some(names));
    // One value that is not a number: the column is text, each spelling a class.
    let p = write(&dir, "text.csv", "a,y\n1,1\n2,1.0\n3,cat\n4,1\n");
    let t = load_csv(Path::new(&p), "y", true, |n| n).unwrap();
    assert_eq!(t.labels_read, Some(LabelsRead::Text));
    assert_eq!(
        t.tabular.classes.as_deref(),
        Some(&["1".into(), "1.0".into(), "cat".into()][..])
    );
    // The run's summary says how the target was read.
    let net = write(
        &dir,
        "net.json",
        r#"{"input_shape": [1], "layers": [{"Dense": {"units": 2, "activation": "softmax"}}]}"#,
    );
    let o = train_table(&dir.s("two.csv"), "y", &net, &dir.s("run"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .contains("target `y` read as numbers (1, 1.0 and 01 are one class): 2 classes (0, 1)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn class_labels_longer_than_a_checkpoint_keeps_are_refused_with_their_line() {
    let dir = TempDir::new("csv-long-label");
    let long = "n".repeat(201);
    let p = write(&dir, "l.csv", &format!("a,y\n1,short\n2,{long}\n3,short\n"));
    let e = error_of(&p, "y", true);
    assert!(
        e.contains("line 3") && e.contains("201 characters") && e.contains("at most 200"),
        "{e}"
    );
    // 200 characters are kept.
    let ok = "n".repeat(200);
    let p = write(&dir, "ok.csv", &format!("a,y\n1,short\n2,{ok}\n"));
    load_csv(Path::new(&p), "y", true, |n| n).unwrap();
}

#[test]
fn bad_cells_and_unclosed_quotes_name_their_line_and_column() {
    let dir = TempDir::new("csv-cells");
    std::fs::write(dir.path("u.csv"), b"a,b\n1,2\n3,\xff4\n").unwrap();
    let e = error_of(&dir.s("u.csv"), "a", false);
    assert!(e.contains("line 3, column `b`: not UTF-8"), "{e}");
    // Lines count the same with CRLF, and across a quoted line break.
    for text in [
        "a,b\r\n1,2\r\n\"3\r\n\",4\r\n5\r\n",
        "a,b\n1,2\n\"3\n\",4\n5\n",
    ] {
        let e = error_of(&write(&dir, "l.csv", text), "a", false);
        assert!(
            e.contains("line 5 has 1 fields but the header has 2"),
            "{text:?}: {e}"
        );
    }
    let p = write(&dir, "q.csv", "a,b\n1,2\n3,\"4\n5,6\n");
    let e = error_of(&p, "a", false);
    assert!(e.contains("line 3: a quoted field is not closed"), "{e}");
    let p = write(&dir, "n.csv", "a,b\n1,2\n3,1e999\n");
    let e = error_of(&p, "a", false);
    assert!(
        e.contains("line 3: data row 2, column `b`: \"1e999\" is not a finite number"),
        "{e}"
    );
    // A quoted field may hold the separator, a quote and a line break.
    let p = write(&dir, "ok.csv", "\"x, \"\"in\"\"\",y\n\"1\n\",2\n3,4\n");
    let t = load_csv(Path::new(&p), "y", false, |n| n).unwrap();
    assert_eq!(t.tabular.columns, ["x, \"in\""]);
    assert_eq!(t.tabular.mean, [2.0]);
    // Spaces before a quoted field, as spreadsheets write them.
    let p = write(&dir, "s.csv", "y, \"a, b\"\n1, \"2\" \n3,\t\"4\"\n");
    let t = load_csv(Path::new(&p), "y", false, |n| n).unwrap();
    assert_eq!(t.tabular.columns, ["a, b"]);
    assert_eq!(t.tabular.mean, [3.0]);
}

/// The statistics of the training rows (all but the validation share) when the rows
/// run past a snapshot: the same as computed from the values directly.
#[test]
fn statistics_come_from_exactly_the_training_rows() {
    let dir = TempDir::new("csv-fit-rows");
    for eol in ["\n", "\r\n"] {
        let mut text = format!("\u{feff}a, \"b\",y{eol}");
        let mut a = Vec::new();
        for i in 0..10_000u32 {
            let v = ((i * 37) % 101) as f64 * 0.25 - 3.0;
            text += &format!("{v}, \"{}\",{}{eol}", i % 3, i % 2);
            if i % 1000 == 0 {
                text += eol;
            }
            a.push(v);
        }
        let p = write(&dir, "t.csv", &text);
        for fit in [1, 4095, 4096, 4097, 8000, 9999, 10_000] {
            let t = load_csv(Path::new(&p), "y", false, |_| fit).unwrap();
            let mean = a[..fit].iter().sum::<f64>() / fit as f64;
            let var = a[..fit].iter().map(|v| (v - mean).powi(2)).sum::<f64>() / fit as f64;
            let std = if var > 0.0 { var.sqrt() } else { 1.0 };
            assert!((t.tabular.mean[0] - mean).abs() < 1e-9, "{eol:?} fit {fit}");
            assert!((t.tabular.std[0] - std).abs() < 1e-9, "{eol:?} fit {fit}");
            assert_eq!(t.features.shape, [10_000, 2]);
        }
    }
}

/// Values near 1e200: the statistics are finite, the features are not zeroed, and
/// predict standardises the rows exactly as training did.
#[test]
fn values_near_1e200_train_save_and_predict_as_in_training() {
    let dir = TempDir::new("csv-1e200");
    let mut text = String::from("x1,x2,y\n");
    for i in 0..60 {
        let (a, b) = ((i % 11) as f64 - 5.0, (i % 7) as f64 - 3.0);
        text += &format!("{:e},{:e},{}\n", a * 1e200, b * 3e-200, a + b);
    }
    let p = write(&dir, "big.csv", &text);
    let t = load_csv(Path::new(&p), "y", false, |n| n - n / 5).unwrap();
    for (m, s) in t.tabular.mean.iter().zip(&t.tabular.std) {
        assert!(
            m.is_finite() && s.is_finite() && *s > 0.0,
            "{:?}",
            t.tabular
        );
    }
    assert!(
        t.tabular.std[0] > 1e200 && t.tabular.std[1] < 1e-199,
        "{:?}",
        t.tabular
    );
    let again = t.tabular.read_rows_for_predict(Path::new(&p)).unwrap();
    assert_eq!(again.data, t.features.data);
    assert!(
        t.features.data.iter().any(|v| v.abs() > 0.5),
        "features zeroed"
    );

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/regression.json").display().to_string();
    let o = train_table(
        &p,
        "y",
        &model,
        &dir.s("run"),
        &["--loss", "mse", "--lr", "0.01", "--epochs", "5"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = dir.s("run/checkpoint.safetensors");
    let o = wgtrain(&["predict", &ckpt, "--csv", &p, "--device", "cpu", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got: Vec<f32> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["y"]
                .as_f64()
                .unwrap() as f32
        })
        .collect();
    // The model the run saved, applied to the features as training standardised them.
    let m = wgtrain::nn::Sequential::load(
        Path::new(&ckpt),
        wgtrain::nn::Device::new(wgtrain::nn::DeviceKind::Cpu).unwrap(),
    )
    .unwrap();
    let kept = Tabular::from_notes(m.input_notes().unwrap()).unwrap();
    let trained = load_csv(Path::new(&p), "y", false, |n| {
        ((n as f64) * (1.0 - 0.2f32 as f64)).ceil() as usize
    })
    .unwrap();
    assert_eq!(kept, trained.tabular);
    let want = m.predict(&trained.features).unwrap().data;
    assert_eq!(got, want);
    assert!(
        got.iter().any(|v| (v - got[0]).abs() > 1e-3),
        "constant predictions: {got:?}"
    );
}

/// A checkpoint whose notes hold a non-finite (or zero) statistic is refused by predict
/// with the column named, not read as "not a table".
#[test]
fn damaged_statistics_are_refused_on_load() {
    let dir = TempDir::new("csv-damaged");
    let net = write(
        &dir,
        "net.json",
        r#"{"input_shape": [2], "layers": [{"Dense": {"units": 1}}]}"#,
    );
    let table = write(&dir, "t.csv", "a,b,y\n1,2,3\n2,3,5\n3,5,8\n4,1,5\n5,0,5\n");
    let o = train_table(&table, "y", &net, &dir.s("run"), &["--loss", "mse"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(dir.path("run/checkpoint.safetensors")).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let notes = header["__metadata__"]["input_notes"].as_str().unwrap();
    let tab: serde_json::Value = serde_json::from_str(notes).unwrap();
    for (field, bad, want) in [
        ("std", serde_json::Value::Null, "column `b` has mean"),
        ("std", serde_json::json!(0.0), "column `b` has mean"),
        ("mean", serde_json::json!(-1.5), ""),
        ("columns", serde_json::json!([]), "0 feature columns"),
    ] {
        let mut forged = tab.clone();
        match field {
            // No columns at all (and no statistics): refused, not a panic.
            "columns" => {
                for f in ["columns", "mean", "std"] {
                    forged[f] = bad.clone();
                }
            }
            _ => forged[field][1] = bad,
        }
        let mut h = header.clone();
        h["__metadata__"]["input_notes"] = forged.to_string().into();
        let mut text = serde_json::to_vec(&h).unwrap();
        while !text.len().is_multiple_of(8) {
            text.push(b' ');
        }
        let mut file = (text.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(&text);
        file.extend_from_slice(&bytes[8 + n..]);
        let forged_path = dir.s("forged.safetensors");
        std::fs::write(&forged_path, file).unwrap();
        let o = wgtrain(&["predict", &forged_path, "--csv", &table, "--device", "cpu"]);
        if want.is_empty() {
            assert!(o.status.success(), "{}", stderr(&o));
        } else {
            assert!(!o.status.success(), "{field} {forged}");
            assert!(stderr(&o).contains(want), "{field}: {}", stderr(&o));
        }
    }
}

#[test]
fn top_k_above_the_class_count_is_refused() {
    let dir = TempDir::new("csv-topk");
    let mut text = String::from("a,b,kind\n");
    for i in 0..30 {
        text += &format!("{i},{},{}\n", i % 4, ["x", "y", "z"][i % 3]);
    }
    let table = write(&dir, "t.csv", &text);
    let net = write(
        &dir,
        "net.json",
        r#"{"input_shape": [2], "layers": [{"Dense": {"units": 3, "activation": "softmax"}}]}"#,
    );
    let run = |k: &str, out: &str| train_table(&table, "kind", &net, &dir.s(out), &["--top-k", k]);
    let o = run("5", "r5");
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("--top-k 5, but the model has 3 classes"),
        "{}",
        stderr(&o)
    );
    let o = run("3", "r3");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn an_empty_class_has_no_accuracy_rather_than_zero() {
    use image::{Rgb, RgbImage};
    let dir = TempDir::new("csv-empty-class");
    for (class, colour) in [
        ("blue", [0, 0, 200]),
        ("green", [0, 200, 0]),
        ("red", [200, 0, 0]),
    ] {
        for set in ["train", "eval"] {
            let d = dir.path(&format!("{set}/{class}"));
            std::fs::create_dir_all(&d).unwrap();
            if set == "eval" && class == "green" {
                continue;
            }
            for i in 0..4u8 {
                let img = RgbImage::from_fn(4, 4, |x, _| Rgb(colour.map(|c| c + i * 5 + x as u8)));
                img.save(d.join(format!("{i}.png"))).unwrap();
            }
        }
    }
    let net = write(
        &dir,
        "net.json",
        r#"{"input_shape": [4, 4, 3], "layers": ["Flatten", {"Dense": {"units": 3, "activation": "softmax"}}]}"#,
    );
    let o = train_images(&dir.s("train"), &net, &dir.s("run"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = dir.s("run/checkpoint.safetensors");
    let o = wgtrain(&[
        "eval",
        &ckpt,
        "--data-dir",
        &dir.s("eval"),
        "--device",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let green = out
        .lines()
        .find(|l| l.trim_start().starts_with("1 "))
        .unwrap();
    assert!(green.trim_end().ends_with("n/a"), "{out}");
    assert!(!green.contains('%'), "{out}");
    let o = wgtrain(&[
        "eval",
        &ckpt,
        "--data-dir",
        &dir.s("eval"),
        "--device",
        "cpu",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert!(v["per_class_accuracy"][1].is_null(), "{v}");
    assert!(v["per_class_accuracy"][0].is_number(), "{v}");
}

/// Seeded random tables written the many ways a CSV may be (quoted or not, spaces
/// around fields, CRLF, a byte-order mark, blank lines) read back to the values written;
/// and seeded random bytes give a table or an error, never a panic.
#[test]
fn random_tables_read_back_and_random_bytes_never_panic() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let dir = TempDir::new("csv-random");
    let path = dir.path("r.csv");
    let mut rng = StdRng::seed_from_u64(23);
    for case in 0..300 {
        let (rows, cols) = (rng.random_range(1..40usize), rng.random_range(2..5usize));
        let eol = if rng.random_bool(0.5) { "\n" } else { "\r\n" };
        let mut text = if rng.random_bool(0.2) { "\u{feff}" } else { "" }.to_string();
        let cell = |rng: &mut StdRng, s: &str| -> String {
            let pad = |rng: &mut StdRng| [" ", "", "\t", "  "][rng.random_range(0..4)];
            let (a, b) = (pad(rng), pad(rng));
            let plain = !s.contains([',', '"']);
            match rng.random_range(0..3) {
                0 if plain => format!("{a}{s}{b}"),
                1 => format!("{a}\"{}\"{b}", s.replace('"', "\"\"")),
                _ => format!("\"{}\"", s.replace('"', "\"\"")),
            }
        };
        let names: Vec<String> = (0..cols).map(|c| format!("c{c}, \"{c}\"")).collect();
        let header: Vec<String> = names.iter().map(|n| cell(&mut rng, n)).collect();
        text += &(header.join(",") + eol);
        let mut values = vec![Vec::new(); cols - 1];
        for _ in 0..rows {
            let mut line = Vec::new();
            for v in values.iter_mut() {
                let x = rng.random_range(-1e6..1e6f64) * 10f64.powi(rng.random_range(-8..8));
                v.push(x);
                line.push(cell(&mut rng, &format!("{x:e}")));
            }
            let class = rng.random_range(0..3u8).to_string();
            line.push(cell(&mut rng, &class));
            text += &(line.join(",") + eol);
            if rng.random_bool(0.1) {
                text += eol;
            }
        }
        std::fs::write(&path, &text).unwrap();
        let target = &names[cols - 1];
        let t = load_csv(&path, target, true, |n| n)
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"));
        assert_eq!(t.tabular.columns, names[..cols - 1], "case {case}");
        assert_eq!(t.features.shape, [rows, cols - 1], "case {case}");
        for (c, v) in values.iter().enumerate() {
            let mean = v.iter().sum::<f64>() / rows as f64;
            let scale = v.iter().fold(1e-300f64, |m, x| m.max(x.abs()));
            assert!(
                (t.tabular.mean[c] - mean).abs() <= 1e-9 * scale,
                "case {case} column {c}: {} vs {mean}",
                t.tabular.mean[c]
            );
        }
    }
    let alphabet = b",\"\n\r \t1.e-a\xff\xef\xbb\xbf";
    let kept = Tabular {
        columns: vec!["a".into()],
        mean: vec![0.0],
        std: vec![1.0],
        target: "y".into(),
        classes: None,
    };
    for _ in 0..2000 {
        let n = rng.random_range(0..60);
        let bytes: Vec<u8> = (0..n)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        std::fs::write(&path, &bytes).unwrap();
        let _ = load_csv(&path, "a", true, |n| n / 2);
        let _ = load_csv(&path, "1", false, |n| n);
        let _ = kept.read_rows_for_predict(&path);
    }
}
