//! What a CSV reader gathers while it streams the rows: each feature's mean and standard
//! deviation (Welford's running sums, in units of a power of two that follows the largest
//! value, so any finite values give finite statistics, 1e200 as well as 1e-200), and a
//! classifier's target column, read as numbers when every value is one (so `1`, `1.0` and
//! `01` are one class, named `1`) and as text otherwise.

use std::collections::HashMap;

/// The most classes a classifier reads.
pub const MAX_CLASSES: usize = 256;

/// The longest class name a checkpoint keeps (its loader's limit, in characters).
pub const MAX_CLASS_NAME_CHARS: usize = 200;

/// The most distinct spellings of the target read before giving up (a numeric class may
/// be written several ways; far more than this is not a classification).
const MAX_SPELLINGS: usize = 1 << 16;

/// A column's running mean and variance.
#[derive(Clone, Debug, Default)]
pub struct Moments {
    n: u64,
    /// A power of two at least as large as half the largest |value| so far (0 before any
    /// non-zero value); `mean` and `m2` are in its units.
    scale: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// Adds a finite value.
    pub fn push(&mut self, v: f64) {
        let a = v.abs();
        if a >= 2.0 * self.scale && a > 0.0 {
            // The power of two at or below |v| (the smallest normal one for subnormals):
            // every value so far is below 2 in the new units, and rescaling is exact.
            let new = f64::from_bits(a.max(f64::MIN_POSITIVE).to_bits() & 0x7ff0_0000_0000_0000);
            if self.scale > 0.0 {
                let r = self.scale / new;
                self.mean *= r;
                self.m2 *= r * r;
            }
            self.scale = new;
        }
        self.n += 1;
        let x = if self.scale > 0.0 {
            v / self.scale
        } else {
            0.0
        };
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// The mean (0 before any value).
    pub fn mean(&self) -> f64 {
        self.mean * self.scale
    }

    /// The population standard deviation, or 1 where it is 0 (a constant column).
    pub fn std(&self) -> f64 {
        if self.n == 0 || self.m2 <= 0.0 {
            return 1.0;
        }
        let s = (self.m2 / self.n as f64).sqrt() * self.scale;
        if s > 0.0 {
            s
        } else {
            1.0
        }
    }
}

/// How a classifier's target column was read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LabelsRead {
    /// Every value is a number: the classes are the distinct numbers.
    Numbers,
    /// The classes are the distinct texts.
    Text,
}

/// A classifier's target column, one row at a time.
#[derive(Default)]
pub struct Labels {
    ids: HashMap<String, u32>,
    /// Per distinct spelling: the text, its number (if it is one) and its first line.
    spellings: Vec<(String, Option<f64>, u64)>,
    /// Per row: its spelling.
    rows: Vec<u32>,
}

/// The classes found: each row's class, the class names and how they were read.
pub struct Classes {
    /// Per row: its class index into `names`.
    pub labels: Vec<u8>,
    /// The class names, in class-index order.
    pub names: Vec<String>,
    /// Whether the classes were read as numbers or as texts.
    pub read: LabelsRead,
}

impl Labels {
    /// Adds a row's non-empty value, read on `line`; the error is the message's detail.
    pub fn push(&mut self, s: &str, line: u64, target: &str) -> Result<(), String> {
        if let Some(&id) = self.ids.get(s) {
            self.rows.push(id);
            return Ok(());
        }
        let number = s.parse::<f64>().ok().filter(|v| v.is_finite());
        if number.is_none() {
            check_name(s, line, target)?;
        }
        if self.spellings.len() >= MAX_SPELLINGS {
            return Err(format!(
                "line {line}: column `{target}` has more than {MAX_SPELLINGS} distinct values; \
                 a classifier reads at most {MAX_CLASSES} classes (load_csv with classify: \
                 false for a numeric target)"
            ));
        }
        let id = self.spellings.len() as u32;
        self.ids.insert(s.to_string(), id);
        self.spellings.push((s.to_string(), number, line));
        self.rows.push(id);
        Ok(())
    }

    /// The classes, sorted (as numbers when every value is one, else as text).
    pub fn finish(self, target: &str) -> Result<Classes, String> {
        let numbers: Option<Vec<f64>> = self
            .spellings
            .iter()
            // + 0.0 makes -0 the same class as 0.
            .map(|(_, v, _)| v.map(|v| v + 0.0))
            .collect();
        let (class_of, names, read) = match numbers {
            Some(values) => {
                let mut distinct = values.clone();
                distinct.sort_by(f64::total_cmp);
                distinct.dedup();
                check_count(distinct.len(), target)?;
                let class_of: Vec<usize> = values
                    .iter()
                    .map(|v| distinct.partition_point(|d| d < v))
                    .collect();
                let names = distinct.iter().map(|&v| canonical(v)).collect();
                (class_of, names, LabelsRead::Numbers)
            }
            None => {
                let mut order: Vec<usize> = (0..self.spellings.len()).collect();
                order.sort_by(|&a, &b| self.spellings[a].0.cmp(&self.spellings[b].0));
                check_count(order.len(), target)?;
                let mut class_of = vec![0; order.len()];
                for (class, &id) in order.iter().enumerate() {
                    class_of[id] = class;
                }
                let mut names = Vec::with_capacity(order.len());
                for &id in &order {
                    let (name, _, line) = &self.spellings[id];
                    check_name(name, *line, target)?;
                    names.push(name.clone());
                }
                (class_of, names, LabelsRead::Text)
            }
        };
        let labels = self
            .rows
            .iter()
            .map(|&id| class_of[id as usize] as u8)
            .collect();
        Ok(Classes {
            labels,
            names,
            read,
        })
    }
}

fn check_count(classes: usize, target: &str) -> Result<(), String> {
    if classes > MAX_CLASSES {
        return Err(format!(
            "column `{target}` has {classes} distinct values; a classifier reads at most \
             {MAX_CLASSES} classes (load_csv with classify: false for a numeric target)"
        ));
    }
    Ok(())
}

fn check_name(s: &str, line: u64, target: &str) -> Result<(), String> {
    let chars = s.chars().count();
    if chars > MAX_CLASS_NAME_CHARS {
        return Err(format!(
            "line {line}: column `{target}` holds a class name of {chars} characters \
             ({}); class names are at most {MAX_CLASS_NAME_CHARS} characters (the limit \
             of a checkpoint's class names) — shorten the labels",
            crate::echo::clip(s)
        ));
    }
    Ok(())
}

/// A numeric class's name: the shortest text that reads back as the number (`1`, `0.5`),
/// in exponent form when that is long (`1e300`).
pub fn canonical(v: f64) -> String {
    let s = format!("{v}");
    if s.len() <= 24 {
        s
    } else {
        format!("{v:e}")
    }
}
