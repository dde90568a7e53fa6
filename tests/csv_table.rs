//! Tables from CSV (`--csv FILE --target COLUMN`): the reader (quoted fields, classes
//! sorted, standardisation from the training rows only, errors naming row and column),
//! and the CLI end to end — the Keras tutorial's regression as a CSV
//! (examples/data/regression.csv, models/regression.json) and a classifier whose class
//! names come from the target column — with predict applying the kept statistics.

mod common;

use std::path::Path;

use common::{stderr, stdout, wgtrain, TempDir};
use wgtrain::data::{load_csv, Target};

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    std::fs::write(dir.path(name), text).unwrap();
    dir.s(name)
}

#[test]
fn the_reader_reads_like_a_spreadsheet_and_names_bad_cells() {
    let dir = TempDir::new("csv-read");
    let p = write(
        &dir,
        "t.csv",
        "\u{feff}\"size, cm\",weight,kind\r\n1,10,dog\n3,30,\"cat\"\n5,50,dog\n100,7,bird\n",
    );
    // Statistics from the first 3 rows (the 4th is validation).
    let t = load_csv(Path::new(&p), "kind", true, |n| n - 1).unwrap();
    assert_eq!(t.tabular.columns, ["size, cm", "weight"]);
    assert_eq!(
        t.tabular.classes.as_deref(),
        Some(&["bird".to_string(), "cat".into(), "dog".into()][..])
    );
    assert_eq!(t.tabular.mean, [3.0, 30.0]);
    let sd = (8.0f64 / 3.0).sqrt();
    assert!((t.tabular.std[0] - sd).abs() < 1e-12);
    assert_eq!(t.features.shape, [4, 2]);
    assert!((t.features.data[6] as f64 - 97.0 / sd).abs() < 1e-4);
    match &t.target {
        Target::Classes(l) => assert_eq!(l, &[2, 1, 2, 0]),
        Target::Values(_) => panic!("a classification"),
    }
    // Numeric classes sort as numbers; a numeric target reads as values.
    let p2 = write(&dir, "n.csv", "a,b\n1,10\n2,9\n3,10\n4,2\n");
    let t = load_csv(Path::new(&p2), "b", true, |n| n).unwrap();
    assert_eq!(t.tabular.classes.unwrap(), ["2", "9", "10"]);
    let t = load_csv(Path::new(&p2), "b", false, |n| n).unwrap();
    match t.target {
        Target::Values(v) => assert_eq!(v.data, [10.0, 9.0, 10.0, 2.0]),
        Target::Classes(_) => panic!("a regression"),
    }

    // (text, target, classify, message)
    let cases = [
        (
            "a,b\n1,2\n",
            "c",
            true,
            "has no column `c`; its columns are a, b",
        ),
        (
            "a,b\n1,2\nx,3\n",
            "b",
            true,
            "data row 2, column `a`: \"x\" is not a number",
        ),
        (
            "a,b\n1,2\n1,2,3\n",
            "b",
            true,
            "line 3 has 3 fields but the header has 2",
        ),
        ("a,b\n1,\"2\n", "b", true, "a quoted field is not closed"),
        ("", "b", true, "is empty"),
        ("a,b\n", "b", true, "no data rows"),
        ("b\n1\n", "b", true, "needs feature columns"),
        (
            "a,b\n1,\n",
            "b",
            false,
            "data row 1, column `b`: \"\" is not a number",
        ),
        ("a,b\n1,\n", "b", true, "data row 1, column `b` is empty"),
    ];
    for (text, target, classify, want) in cases {
        let p = write(&dir, "bad.csv", text);
        let e = load_csv(Path::new(&p), target, classify, |n| n)
            .err()
            .unwrap_or_else(|| panic!("{text:?} read"))
            .to_string();
        assert!(e.contains(want), "{text:?}: {e}");
    }
    let many: String = std::iter::once("a,b\n".to_string())
        .chain((0..300).map(|i| format!("{i},c{i}\n")))
        .collect();
    let p = write(&dir, "many.csv", &many);
    let e = load_csv(Path::new(&p), "b", true, |n| n)
        .unwrap_err()
        .to_string();
    assert!(e.contains("300 distinct values"), "{e}");
}

#[test]
fn a_regression_and_a_classifier_train_and_predict_from_csv() {
    let dir = TempDir::new("csv-cli");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let csv = root
        .join("examples/data/regression.csv")
        .display()
        .to_string();
    let model = root.join("models/regression.json").display().to_string();
    let run = dir.s("reg");
    let o = wgtrain(&[
        "train",
        "--csv",
        &csv,
        "--target",
        "y",
        "--model",
        &model,
        "--loss",
        "mse",
        "--lr",
        "0.01",
        "--batch-size",
        "32",
        "--epochs",
        "40",
        "--device",
        "cpu",
        "--quiet",
        "--out",
        &run,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o)
        .lines()
        .find(|l| l.starts_with("test_loss"))
        .unwrap()
        .to_string();
    assert!(line.contains("validation rows"), "{line}");
    let mse: f32 = line["test_loss: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // y = sin(x1) + x2²/2 has variance ≈ 0.8 over [-2, 2]²; the small net gets well under.
    assert!(mse < 0.3, "{line}");
    // predict: one value per row, from the columns by name (order and extra columns
    // do not matter).
    let rows = write(&dir, "rows.csv", "y,x2,x1\n0,0,0\n0,2,1.5708\n");
    let ckpt = dir.s("reg/checkpoint.safetensors");
    let o = wgtrain(&[
        "predict", &ckpt, "--csv", &rows, "--device", "cpu", "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let values: Vec<f64> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["y"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert_eq!(values.len(), 2);
    // Each value written as its f32's shortest decimal, not the widened f64.
    for (line, v) in stdout(&o).lines().zip(&values) {
        let short = serde_json::to_string(&(*v as f32)).unwrap();
        assert!(line.contains(&format!(":{short}")), "{line} (want {short})");
    }
    // sin(0) + 0 = 0 and sin(π/2) + 2 = 3: the second is clearly the larger.
    assert!(values[1] > values[0] + 1.0, "{values:?}");

    // A classifier: class names from the target column.
    let mut text = String::from("h,w,kind\n");
    for i in 0..90 {
        let (k, c) = [("small", 1.0), ("medium", 2.0), ("large", 3.0)][i % 3];
        text += &format!(
            "{},{},{k}\n",
            c + (i % 7) as f64 * 0.05,
            c * 10.0 - (i % 5) as f64 * 0.3
        );
    }
    let table = write(&dir, "kinds.csv", &text);
    let net = write(
        &dir,
        "net.json",
        r#"{"input_shape": [2], "layers": [{"Dense": {"units": 8, "activation": "relu"}}, {"Dense": {"units": 3, "activation": "softmax"}}]}"#,
    );
    let o = wgtrain(&[
        "train",
        "--csv",
        &table,
        "--target",
        "kind",
        "--model",
        &net,
        "--lr",
        "0.02",
        "--epochs",
        "30",
        "--device",
        "cpu",
        "--quiet",
        "--out",
        &dir.s("cls"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = dir.s("cls/checkpoint.safetensors");
    let rows = write(&dir, "q.csv", "h,w\n3.1,29.5\n1.0,10.2\n");
    let o = wgtrain(&[
        "predict", &ckpt, "--csv", &rows, "--device", "cpu", "--top", "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("row 1: kind = large (") && out.contains("row 2: kind = small ("),
        "{out}"
    );

    // Errors: a model of the wrong width, missing columns at predict, a non-table model.
    let o = wgtrain(&[
        "train",
        "--csv",
        &table,
        "--target",
        "kind",
        "--model",
        "mlp",
        "--device",
        "cpu",
        "--out",
        &dir.s("bad"),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("2 feature columns (h, w)"),
        "{}",
        stderr(&o)
    );
    let o = wgtrain(&[
        "predict",
        &ckpt,
        "--csv",
        &write(&dir, "m.csv", "h\n1\n"),
        "--device",
        "cpu",
    ]);
    assert!(
        stderr(&o).contains("has no column `w`; the model was trained on h, w"),
        "{}",
        stderr(&o)
    );
}
