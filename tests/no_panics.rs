//! No panic, no abort (issue 23, D): a closed stdout, forged table notes, numbers beyond
//! f32 in JSON, huge inputs echoed in errors, and tf.keras 2's ways of writing
//! BatchNormalization's axis.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{stderr, train_table, wgtrain, TempDir};
use wgtrain::nn::ModelSpec;

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    std::fs::write(dir.path(name), text).unwrap();
    dir.s(name)
}

/// A regression trained on a small table, in `dir/run`; returns its checkpoint.
fn regression(dir: &TempDir) -> String {
    let mut t = String::from("x1,x2,y\n");
    for i in 0..40 {
        t += &format!("{},{},{}\n", i % 7, (i * 3) % 5, i % 4);
    }
    let csv = write(dir, "reg.csv", &t);
    let model = write(
        dir,
        "net.json",
        r#"{"input_shape": [2], "layers": [{"Dense": {"units": 1}}]}"#,
    );
    let o = train_table(&csv, "y", &model, &dir.s("run"), &["--loss", "mse"]);
    assert!(o.status.success(), "{}", stderr(&o));
    dir.s("run/checkpoint.safetensors")
}

/// The checkpoint at `path` with metadata `key` replaced by `value`.
fn forge(path: &str, key: &str, value: &str) {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    header["__metadata__"][key] = serde_json::Value::String(value.into());
    let mut text = serde_json::to_vec(&header).unwrap();
    text.resize(text.len().next_multiple_of(8), b' ');
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&text);
    out.extend_from_slice(&bytes[8 + n..]);
    std::fs::write(path, out).unwrap();
}

#[test]
fn a_closed_stdout_ends_predict_quietly() {
    let dir = TempDir::new("epipe");
    let ckpt = regression(&dir);
    // Far more output than a pipe buffers, so writes continue after the reader left.
    let mut rows = String::from("x1,x2\n");
    for i in 0..20000 {
        rows += &format!("{},{}\n", i % 7, i % 5);
    }
    let rows = write(&dir, "rows.csv", &rows);
    let mut child = Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .args(["predict", &ckpt, "--csv", &rows, "--device", "cpu"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: stdout is closed, as `| head -1` closes it.
    assert!(first.starts_with("row 1: y = "), "{first}");
    let o = child.wait_with_output().unwrap();
    let e = stderr(&o);
    assert!(!e.contains("panicked"), "{e}");
    assert!(e.is_empty(), "{e}");
    use std::os::unix::process::ExitStatusExt;
    let quiet = matches!(o.status.code(), Some(0 | 141)) || o.status.signal() == Some(13);
    assert!(quiet, "{:?}", o.status);
}

#[test]
fn forged_table_notes_are_an_error_not_a_panic() {
    let dir = TempDir::new("forged-notes");
    let ckpt = regression(&dir);
    let rows = write(&dir, "rows.csv", "x1,x2\n1,2\n");
    let cases = [
        (
            r#"{"columns":[],"mean":[],"std":[],"target":"y","classes":null}"#,
            "0 feature columns",
        ),
        (
            r#"{"columns":["x1","x2"],"mean":[0],"std":[1,1],"target":"y","classes":null}"#,
            "1 means",
        ),
        (
            r#"{"columns":["x1","x2"],"mean":[0,0],"std":[1,0],"target":"y","classes":null}"#,
            "column `x2`",
        ),
        (
            r#"{"columns":["x1","x2"],"mean":[0,0],"std":[1,1],"target":"y","classes":["a","b"]}"#,
            "describes 2 classes",
        ),
    ];
    for (notes, want) in cases {
        forge(&ckpt, "input_notes", notes);
        let o = wgtrain(&["predict", &ckpt, "--csv", &rows, "--device", "cpu"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{notes}: {e}");
        assert!(e.contains(want) && !e.contains("panicked"), "{notes}: {e}");
    }
}

#[test]
fn numbers_beyond_f32_name_their_field() {
    let dir = TempDir::new("huge-floats");
    let e = ModelSpec::from_json(
        r#"{"input_shape": [4], "layers": [{"Dropout": {"rate": 1e300}}]}"#,
        "m.json",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("field `layers[0].Dropout.rate`: 1e300 is beyond the range of a 32-bit float"),
        "{e}"
    );
    // Keras JSON: the value is named by its path in the file.
    let keras = r#"{"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [null, 4]}},
        {"class_name": "BatchNormalization", "config": {"momentum": -1e300}}]}}"#;
    let e = ModelSpec::from_json(keras, "k.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("field `config.layers[1].config.momentum`: -1e300"),
        "{e}"
    );
    // A checkpoint's settings.
    let ckpt = regression(&dir);
    forge(
        &ckpt,
        "compile",
        r#"{"optimizer":{"name":"adam","learning_rate":1e300,"beta_1":0.9,"beta_2":0.999,"epsilon":1e-7},"loss":"mse","metrics":[]}"#,
    );
    let rows = write(&dir, "rows.csv", "x1,x2\n1,2\n");
    let o = wgtrain(&["predict", &ckpt, "--csv", &rows, "--device", "cpu"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("field `optimizer.learning_rate`: 1e300"), "{e}");
}

#[test]
fn huge_inputs_are_echoed_clipped() {
    let dir = TempDir::new("echo");
    let big = "z".repeat(1 << 20);
    let model = write(
        &dir,
        "m.json",
        &format!(r#"{{"input_shape": [4], "layers": [{{"{big}": {{}}}}]}}"#),
    );
    let mut csv = format!("a,b\n1,{big}\n");
    csv += "2,3\n";
    let csv = write(&dir, "t.csv", &csv);
    let net = write(
        &dir,
        "net.json",
        r#"{"input_shape": [1], "layers": [{"Dense": {"units": 1}}]}"#,
    );
    let out = dir.s("r");
    // One argument may be at most 128 KiB on Linux.
    let long_flag = "z".repeat(100_000);
    let runs: [Vec<&str>; 3] = [
        vec!["train", "--model", &model, "--device", "cpu"],
        vec![
            "train", "--csv", &csv, "--target", "a", "--model", &net, "--loss", "mse", "--device",
            "cpu", "--out", &out,
        ],
        vec![
            "train", "--model", "mlp", "--out", &long_flag, "--device", "cpu",
        ],
    ];
    for args in runs {
        let o = wgtrain(&args);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{}", &e[..e.len().min(500)]);
        assert!(e.len() < 4000, "{:?}: stderr is {} bytes", args[1], e.len());
        assert!(e.contains("zzz… ("), "{}", &e[..e.len().min(500)]);
    }
}

#[test]
fn keras_batch_normalization_axis_is_read_however_written() {
    // tf.keras 2: the input shape after the layers (build_input_shape), a 4-D input.
    let keras = |axis: &str| {
        format!(
            r#"{{"class_name": "Sequential", "config": {{"layers": [
            {{"class_name": "Conv2D", "config": {{"filters": 2, "kernel_size": [3, 3]}}}},
            {{"class_name": "BatchNormalization", "config": {{"axis": {axis}}}}}],
            "build_input_shape": [null, 8, 8, 1]}}}}"#
        )
    };
    for ok in ["-1", "3", "[3]", "[-1]"] {
        let spec = ModelSpec::from_json(&keras(ok), "k.json");
        assert!(spec.is_ok(), "axis {ok}: {}", spec.unwrap_err());
    }
    for bad in ["0", "[0]", "1", "2", "[1, 2]", "\"x\""] {
        let e = ModelSpec::from_json(&keras(bad), "k.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("layer 1")
                && e.contains("(BatchNormalization)")
                && e.contains("argument `axis`"),
            "axis {bad}: {e}"
        );
        if bad.contains('0') {
            assert!(e.contains("axis 0 is the batch axis"), "{e}");
        }
    }
}
