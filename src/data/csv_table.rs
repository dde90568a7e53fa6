//! Tabular data from a CSV file (`wgtrain train --csv FILE --target COLUMN`): a header row,
//! then one sample per row; every column but the target is a numeric feature. The target
//! is a number (regression) or a class (classification: its distinct values, sorted —
//! numerically when they are all numbers — become the class names). Features are
//! standardised with statistics of the training rows (as Keras's `Normalization.adapt`),
//! and those statistics travel with the model so `predict` applies them to new rows.
//! Quoted fields (RFC 4180: `"a, b"`, `""` for a quote) are read; errors name the line and
//! the column.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::array::Array;
use crate::error::{Error, Result};

/// The largest CSV read (a table of this size is far beyond what fits a small model's
/// training on a laptop; the check keeps a wrong file from filling memory).
const MAX_CSV_BYTES: u64 = 1 << 30;

/// What a CSV's columns mean to a model, kept with it (`Sequential::set_input_notes`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tabular {
    /// The feature columns, in the model's input order.
    pub columns: Vec<String>,
    /// Per feature: the training rows' mean and standard deviation (1 where it was 0).
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    /// The target column's name.
    pub target: String,
    /// The classes (classification), or none (regression).
    pub classes: Option<Vec<String>>,
}

/// A CSV read for training.
#[derive(Clone, Debug)]
pub struct Table {
    /// [rows, features], standardised.
    pub features: Array,
    /// Regression targets [rows, 1], or class indices.
    pub target: Target,
    pub tabular: Tabular,
}

#[derive(Clone, Debug)]
pub enum Target {
    Values(Array),
    Classes(Vec<u8>),
}

/// Header and rows of a CSV file, each field trimmed.
fn read_rows(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let bad = |detail: String| Error::Data {
        path: path.display().to_string(),
        detail,
    };
    let io = |e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_CSV_BYTES {
        return Err(bad(format!(
            "{size} bytes; wgtrain reads CSV files up to {MAX_CSV_BYTES} bytes"
        )));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        bad(format!(
            "not UTF-8 text (invalid byte at offset {}); save the table as UTF-8 CSV",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut line, mut chars) = (false, 1usize, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, ',') => row.push(std::mem::take(&mut field).trim().to_string()),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field).trim().to_string());
                rows.push((line, std::mem::take(&mut row)));
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(bad(format!("line {line}: a quoted field is not closed")));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field.trim().to_string());
        rows.push((line, row));
    }
    rows.retain(|(_, r)| !(r.len() == 1 && r[0].is_empty()));
    let mut it = rows.into_iter();
    let (_, header) = it
        .next()
        .ok_or_else(|| bad("is empty; a CSV needs a header row and data rows".into()))?;
    let mut data = Vec::new();
    for (line, r) in it {
        if r.len() != header.len() {
            return Err(bad(format!(
                "line {line} has {} fields but the header has {} ({})",
                r.len(),
                header.len(),
                crate::echo::clip(&header.join(", "))
            )));
        }
        data.push(r);
    }
    if data.is_empty() {
        return Err(bad("has a header but no data rows".into()));
    }
    Ok((header, data))
}

fn number(path: &Path, row: usize, column: &str, s: &str) -> Result<f64> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Error::Data {
            path: path.display().to_string(),
            detail: format!(
                "data row {row}, column `{}`: {:?} is not a number; feature columns \
                 must be numeric (encode or drop this column)",
                crate::echo::clip(column),
                crate::echo::clip(s)
            ),
        }),
    }
}

/// Read `path` for training on `target` (`classify`: a class per row, else a number).
/// Standardisation statistics come from the first `train_rows` rows (the rest are held out
/// for validation; all rows when `None`).
pub fn load_csv(
    path: &Path,
    target: &str,
    classify: bool,
    train_rows: impl Fn(usize) -> usize,
) -> Result<Table> {
    let (header, rows) = read_rows(path)?;
    let bad = |detail: String| Error::Data {
        path: path.display().to_string(),
        detail,
    };
    let t = header.iter().position(|h| h == target).ok_or_else(|| {
        bad(format!(
            "has no column `{target}`; its columns are {}",
            header.join(", ")
        ))
    })?;
    let columns: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != t)
        .map(|(_, h)| h.clone())
        .collect();
    if columns.is_empty() {
        return Err(bad(format!(
            "has only the target column `{target}`; a model needs feature columns"
        )));
    }
    let (n, f) = (rows.len(), columns.len());
    let mut x = Vec::with_capacity(n * f);
    for (r, row) in rows.iter().enumerate() {
        for (i, v) in row.iter().enumerate() {
            if i != t {
                x.push(number(path, r + 1, &header[i], v)?);
            }
        }
    }
    let target_values: Vec<&str> = rows.iter().map(|r| r[t].as_str()).collect();
    let (target_out, classes) = if classify {
        if let Some(r) = target_values.iter().position(|v| v.is_empty()) {
            return Err(bad(format!(
                "data row {}, column `{target}` is empty; every row needs its class",
                r + 1
            )));
        }
        let mut names: Vec<String> = target_values.iter().map(|s| s.to_string()).collect();
        let all_numbers = names.iter().all(|s| s.parse::<f64>().is_ok());
        names.sort_by(|a, b| match all_numbers {
            true => a
                .parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse::<f64>().unwrap_or(0.0)),
            false => a.cmp(b),
        });
        names.dedup();
        if names.len() > 256 {
            return Err(bad(format!(
                "column `{target}` has {} distinct values; a classifier reads at most 256 \
                 classes (use --loss mse for a numeric target)",
                names.len()
            )));
        }
        let labels = target_values
            .iter()
            .map(|v| names.iter().position(|n| n == v).expect("listed") as u8)
            .collect();
        (Target::Classes(labels), Some(names))
    } else {
        let mut y = Vec::with_capacity(n);
        for (r, v) in target_values.iter().enumerate() {
            y.push(number(path, r + 1, target, v)? as f32);
        }
        (Target::Values(Array::new(&[n, 1], y)?), None)
    };
    let fit_rows = train_rows(n).clamp(1, n);
    let mut mean = vec![0.0f64; f];
    let mut var = vec![0.0f64; f];
    for row in x.chunks(f).take(fit_rows) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v / fit_rows as f64;
        }
    }
    for row in x.chunks(f).take(fit_rows) {
        for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
            *s += (v - m) * (v - m) / fit_rows as f64;
        }
    }
    let std: Vec<f64> = var
        .iter()
        .map(|v| if *v > 0.0 { v.sqrt() } else { 1.0 })
        .collect();
    let tabular = Tabular {
        columns,
        mean,
        std,
        target: target.to_string(),
        classes,
    };
    let features = tabular.standardise(&x, n)?;
    Ok(Table {
        features,
        target: target_out,
        tabular,
    })
}

impl Tabular {
    fn standardise(&self, x: &[f64], n: usize) -> Result<Array> {
        let f = self.columns.len();
        let data = x
            .chunks(f)
            .flat_map(|row| {
                row.iter()
                    .zip(self.mean.iter().zip(&self.std))
                    .map(|(v, (m, s))| ((v - m) / s) as f32)
            })
            .collect();
        Array::new(&[n, f], data)
    }

    /// New rows from a CSV for prediction: the feature columns by name (in any order;
    /// other columns, such as the target, are ignored), standardised as in training.
    pub fn read_rows_for_predict(&self, path: &Path) -> Result<Array> {
        let (header, rows) = read_rows(path)?;
        let mut at = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            let i = header
                .iter()
                .position(|h| h == c)
                .ok_or_else(|| Error::Data {
                    path: path.display().to_string(),
                    detail: format!(
                        "has no column `{c}`; the model was trained on {}",
                        self.columns.join(", ")
                    ),
                })?;
            at.push(i);
        }
        let mut x = Vec::with_capacity(rows.len() * at.len());
        for (r, row) in rows.iter().enumerate() {
            for &i in &at {
                x.push(number(path, r + 1, &header[i], &row[i])?);
            }
        }
        self.standardise(&x, rows.len())
    }
}
