//! Tabular data from a CSV file (`wgtrain train --csv FILE --target COLUMN`): a header row,
//! then one sample per row; every column but the target is a numeric feature. The target
//! is a number (regression) or a class (classification: its distinct values, sorted,
//! become the class names; when every value is a number they are read as numbers, so `1`,
//! `1.0` and `01` are one class, named `1`). Features are
//! standardised with statistics of the training rows (as Keras's `Normalization.adapt`),
//! and those statistics travel with the model so `predict` applies them to new rows.
//! Quoted fields (RFC 4180: `"a, b"`, `""` for a quote) are read; errors name the line and
//! the column.
//!
//! The file is streamed (`csv_rows`), never held: one pass checks every row, gathers the
//! target and the features' statistics (with snapshots every `BLOCK` rows), a short second
//! look completes the statistics of exactly the training rows, and a last pass writes the
//! standardised f32 features straight into their final array. Peak memory is that array
//! plus the targets and a few kilobytes, whatever the file's size.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::csv_rows::{Rows, Start};
pub use super::csv_stats::LabelsRead;
use super::csv_stats::{Labels, Moments, MAX_CLASSES};
use crate::array::Array;
use crate::echo::clip;
use crate::error::{Error, Result};

/// Rows between snapshots of the running statistics.
const BLOCK: usize = 4096;

/// What a CSV's columns mean to a model, kept with it (`Sequential::set_input_notes`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tabular {
    /// The feature columns, in the model's input order.
    pub columns: Vec<String>,
    /// Per feature: the training rows' mean and standard deviation (1 where it was 0).
    /// A `null` (what JSON makes of a non-finite number) reads as NaN, so `check` names
    /// its column.
    #[serde(deserialize_with = "numbers_or_null")]
    pub mean: Vec<f64>,
    /// Per feature: the training rows' standard deviation (see `mean`).
    #[serde(deserialize_with = "numbers_or_null")]
    pub std: Vec<f64>,
    /// The target column's name.
    pub target: String,
    /// The classes (classification), or none (regression).
    pub classes: Option<Vec<String>>,
}

fn numbers_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<f64>, D::Error> {
    let v: Vec<Option<f64>> = Deserialize::deserialize(d)?;
    Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}

/// A CSV read for training.
#[derive(Clone, Debug)]
pub struct Table {
    /// [rows, features], standardised.
    pub features: Array,
    /// Regression targets [rows, 1], or class indices.
    pub target: Target,
    /// The column names and standardisation the model was trained with.
    pub tabular: Tabular,
    /// How a classifier's target was read (none for a regression).
    pub labels_read: Option<LabelsRead>,
}

/// A CSV table's target column, as read for training.
#[derive(Clone, Debug)]
pub enum Target {
    /// Regression targets, `[rows, 1]`.
    Values(Array),
    /// Class indices (classification), one per row.
    Classes(Vec<u8>),
}

/// A field as a finite number, or the error naming its line, row and column.
fn number(rows: &Rows, row: usize, column: &str, s: &str) -> Result<f64> {
    number_for(
        rows,
        row,
        column,
        s,
        "feature columns must be numeric (encode or drop this column)",
    )
}

/// `number`, with `fix` saying what the column must be.
fn number_for(rows: &Rows, row: usize, column: &str, s: &str, fix: &str) -> Result<f64> {
    let why = match s.parse::<f64>() {
        Ok(v) if v.is_finite() => return Ok(v),
        Ok(_) => {
            "is not a finite number (infinities, NaN and values beyond ±1.8e308 are \
                  not read)"
        }
        Err(_) => "is not a number",
    };
    Err(rows.bad(format!(
        "line {}: data row {row}, column `{}`: {:?} {why}; {fix}",
        rows.line(),
        clip(column),
        clip(s)
    )))
}

/// Read `path` for training on `target` (`classify`: a class per row, else a number).
/// Standardisation statistics come from the first `train_rows(n)` of its `n` rows (the
/// rest are held out for validation).
pub fn load_csv(
    path: impl AsRef<Path>,
    target: &str,
    classify: bool,
    train_rows: impl Fn(usize) -> usize,
) -> Result<Table> {
    let path = path.as_ref();
    let mut rows = Rows::open(path, None)?;
    let header = rows.header()?;
    let t = header.iter().position(|h| h == target).ok_or_else(|| {
        rows.bad(format!(
            "has no column `{}`; its columns are {}",
            clip(target),
            clip(&header.join(", "))
        ))
    })?;
    let columns: Vec<String> = (header.iter().enumerate())
        .filter(|&(i, _)| i != t)
        .map(|(_, h)| h.clone())
        .collect();
    if columns.is_empty() {
        return Err(rows.bad(format!(
            "has only the target column `{}`; a model needs feature columns",
            clip(target)
        )));
    }
    let f = columns.len();
    // Pass 1: every row checked; the target read; running statistics, with snapshots.
    let mut moments = vec![Moments::default(); f];
    // Where the data rows start, and the statistics before every BLOCK-th row after.
    let mut first = Start { byte: 0, line: 0 };
    let mut snapshots: Vec<(Start, Vec<Moments>)> = Vec::new();
    let (mut labels, mut values) = (Labels::default(), Vec::new());
    let target_shown = clip(target);
    let mut n = 0usize;
    while rows.advance()? {
        rows.check_width(&header)?;
        if n.is_multiple_of(BLOCK) {
            match n {
                0 => first = rows.at(),
                _ => snapshots.push((rows.at(), moments.clone())),
            }
        }
        n += 1;
        let mut j = 0;
        for (i, name) in header.iter().enumerate() {
            let s = rows.field(i, name)?;
            if i != t {
                moments[j].push(number(&rows, n, name, s)?);
                j += 1;
            } else if classify {
                if s.is_empty() {
                    return Err(rows.bad(format!(
                        "line {}: data row {n}, column `{}` is empty; every row needs its class",
                        rows.line(),
                        clip(target)
                    )));
                }
                labels
                    .push(s, rows.line(), &target_shown)
                    .map_err(|d| rows.bad(d))?;
            } else {
                let fix = "a regression's target (load_csv with classify: false) must be \
                           numeric (or train a classifier on it)";
                let v = number_for(&rows, n, name, s, fix)?;
                if !(v as f32).is_finite() {
                    return Err(rows.bad(format!(
                        "line {}: data row {n}, column `{}`: {v:e} is beyond the ±3.4e38 of \
                         a 32-bit float, which a regression target must fit; rescale the \
                         column",
                        rows.line(),
                        clip(target)
                    )));
                }
                values.push(v as f32);
            }
        }
    }
    if n == 0 {
        return Err(rows.bad("has a header but no data rows".into()));
    }
    // The statistics of exactly the first `fit` rows: the snapshot before them, and the
    // rows after it read again.
    let fit = train_rows(n).clamp(1, n);
    if fit < n {
        let (start, before) = match fit / BLOCK {
            0 => (first, vec![Moments::default(); f]),
            k => snapshots[k - 1].clone(),
        };
        moments = before;
        let mut again = Rows::open(path, Some(start))?;
        for r in (fit / BLOCK) * BLOCK..fit {
            if !again.advance()? {
                return Err(changed(&again));
            }
            let features = header.iter().enumerate().filter(|&(i, _)| i != t);
            for (j, (i, name)) in features.enumerate() {
                let s = again.field(i, name)?;
                moments[j].push(number(&again, r + 1, name, s)?);
            }
        }
    }
    let (target_out, classes, labels_read) = if classify {
        let c = labels.finish(&clip(target)).map_err(|d| rows.bad(d))?;
        (Target::Classes(c.labels), Some(c.names), Some(c.read))
    } else {
        (Target::Values(Array::new(&[n, 1], values)?), None, None)
    };
    let tabular = Tabular {
        columns,
        mean: moments.iter().map(Moments::mean).collect(),
        std: moments.iter().map(Moments::std).collect(),
        target: target.to_string(),
        classes,
    };
    tabular.check().map_err(|d| rows.bad(d))?;
    // Pass 2: the standardised features, straight into their array (checked to fit).
    crate::memory::check_host(
        format_args!("the {n} rows × {f} features of {}", path.display()),
        (n as u128) * (f as u128) * 4,
        "use a smaller table (fewer rows or columns)",
    )?;
    let start = first;
    let mut again = Rows::open(path, Some(start))?;
    let mut x = Vec::with_capacity(n * f);
    for r in 1..=n {
        if !again.advance()? || again.len() != header.len() {
            return Err(changed(&again));
        }
        let features = header.iter().enumerate().filter(|&(i, _)| i != t);
        for (j, (i, name)) in features.enumerate() {
            let v = number(&again, r, name, again.field(i, name)?)?;
            x.push(tabular.z(j, v, &again, r)?);
        }
    }
    Ok(Table {
        features: Array::new(&[n, f], x)?,
        target: target_out,
        tabular,
        labels_read,
    })
}

/// The error for a file that changed between two reads of it.
fn changed(rows: &Rows) -> Error {
    rows.bad(format!(
        "changed while it was read (line {} differs from the first read); train on a file \
         that nothing else is writing",
        rows.line()
    ))
}

impl Tabular {
    /// Notes kept with a model (`Sequential::input_notes`) read as a table's, checked.
    pub fn from_notes(notes: &str) -> Result<Tabular> {
        let t: Tabular = serde_json::from_str(notes).map_err(|e| {
            Error::Model(format!(
                "the model's input notes are not a table's ({}); predict takes images for it, \
                 or retrain it on a table (load_csv)",
                clip(&e.to_string())
            ))
        })?;
        t.check().map_err(|d| {
            Error::Model(format!(
                "the model's table notes are damaged: {d}; retrain it on a table (load_csv)"
            ))
        })?;
        Ok(t)
    }

    /// Every statistic finite (standard deviations positive), one per column, the
    /// columns distinct and the classes at most 256: what `predict` can use. Checked
    /// before the notes are written and when they are read.
    pub fn check(&self) -> std::result::Result<(), String> {
        let f = self.columns.len();
        if f == 0 || self.mean.len() != f || self.std.len() != f {
            return Err(format!(
                "{f} feature columns with {} means and {} standard deviations; a table needs \
                 at least one column and one of each per column",
                self.mean.len(),
                self.std.len()
            ));
        }
        for (i, c) in self.columns.iter().enumerate() {
            if self.columns[..i].contains(c) {
                return Err(format!("column `{}` is listed twice", clip(c)));
            }
            let (m, s) = (self.mean[i], self.std[i]);
            if !m.is_finite() || !s.is_finite() || s <= 0.0 {
                return Err(format!(
                    "column `{}` has mean {m:e} and standard deviation {s:e}; both must be \
                     finite and the deviation positive (rescale the column: its values \
                     spread beyond what a 64-bit float holds)",
                    clip(c)
                ));
            }
        }
        if let Some(c) = &self.classes {
            if c.is_empty() || c.len() > MAX_CLASSES {
                return Err(format!(
                    "{} classes; a classifier has 1 to {MAX_CLASSES}",
                    c.len()
                ));
            }
        }
        Ok(())
    }

    /// Feature `j`'s value `v` (data row `row`) standardised, as the model's f32.
    fn z(&self, j: usize, v: f64, rows: &Rows, row: usize) -> Result<f32> {
        let (m, s) = (self.mean[j], self.std[j]);
        let d = v - m;
        // Apart, when the difference alone would overflow (|v|, |m| near the f64 limit).
        let z = if d.is_finite() { d / s } else { v / s - m / s } as f32;
        if z.is_finite() {
            return Ok(z);
        }
        Err(rows.bad(format!(
            "line {}: data row {row}, column `{}`: {v:e} is {:e} standard deviations from \
             the training mean, beyond the ±3.4e38 of a 32-bit float; check the value",
            rows.line(),
            clip(&self.columns[j]),
            (v / s - m / s)
        )))
    }

    /// New rows from a CSV for prediction: the feature columns by name (in any order;
    /// other columns, such as the target, are ignored), standardised as in training.
    pub fn read_rows_for_predict(&self, path: impl AsRef<Path>) -> Result<Array> {
        let path = path.as_ref();
        self.check()
            .map_err(|d| Error::Model(format!("the model's table notes are damaged: {d}")))?;
        let mut rows = Rows::open(path, None)?;
        let header = rows.header()?;
        let mut at = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            let i = header.iter().position(|h| h == c).ok_or_else(|| {
                rows.bad(format!(
                    "has no column `{}`; the model was trained on {}",
                    clip(c),
                    clip(&self.columns.join(", "))
                ))
            })?;
            at.push(i);
        }
        let (mut x, mut n) = (Vec::new(), 0);
        while rows.advance()? {
            rows.check_width(&header)?;
            n += 1;
            for (j, &i) in at.iter().enumerate() {
                let v = number(&rows, n, &header[i], rows.field(i, &header[i])?)?;
                x.push(self.z(j, v, &rows, n)?);
            }
        }
        if n == 0 {
            return Err(rows.bad("has a header but no data rows".into()));
        }
        Array::new(&[n, at.len()], x)
    }
}
