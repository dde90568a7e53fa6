//! CIFAR-10's binary version: `cifar-10-binary.tar.gz` read as it is (no extraction), or
//! its extracted `cifar-10-batches-bin` folder. Each batch (`data_batch_1.bin` …
//! `data_batch_5.bin`, `test_batch.bin`) is a run of 3,073-byte records: one label byte
//! (0–9), then the 32×32 image's red, green and blue planes, each row-major. Images come
//! out NHWC `[n, 32, 32, 3]` in [0, 1], as the other data sets' do.
//!
//! Every batch is checked whole (sizes, labels) even when only the first images are kept;
//! errors name the file, the batch and the record. `batches.meta.txt`, when present, must
//! name CIFAR-10's ten classes.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::datasets::{Dataset, CIFAR10_ARCHIVE, CIFAR10_CLASSES};
use super::split::{Mnist, Split};
use super::ustar::each_file;
use crate::array::Array;
use crate::bounded_file::{open_regular, read_regular};
use crate::error::{Error, Result};

/// The folder the archive extracts to.
pub const CIFAR10_FOLDER: &str = "cifar-10-batches-bin";
/// Bytes per record: a label byte and 32×32×3 pixels.
pub const CIFAR10_RECORD: usize = 1 + 32 * 32 * 3;

/// The batches: five training, then the test batch.
const BATCHES: [&str; 6] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
    "test_batch.bin",
];
const META: &str = "batches.meta.txt";

/// The largest batch read (the official ones are 10,000 records, 30.7 MB).
const MAX_BATCH_BYTES: u64 = 64 << 20;
/// The largest archive read (the official one is 170 MB).
const MAX_ARCHIVE_BYTES: u64 = 1 << 30;

/// The records kept from one batch, each checked.
#[derive(Default)]
struct Batch {
    /// The first records, whole (label byte and pixels).
    kept: Vec<u8>,
    /// Records the batch holds, kept or not.
    records: usize,
}

/// Load CIFAR-10 from `dir` (the archive, the extracted folder, or a folder holding its
/// batches; `dir` may also be the archive itself), keeping the first `train` training and
/// `test` test images (all when `None`). Both splits must be non-empty.
pub fn load_cifar10_first(
    dir: impl AsRef<Path>,
    train: Option<usize>,
    test: Option<usize>,
) -> Result<Mnist> {
    let dir = dir.as_ref();
    let (source, batches) = read_batches(dir, train, test)?;
    let train = split_of(&source, &batches[..5], train)?;
    let test = split_of(&source, &batches[5..], test)?;
    for (split, which) in [(&train, "training"), (&test, "test")] {
        if split.is_empty() {
            return Err(Error::FileFormat {
                path: source.display().to_string(),
                detail: format!(
                    "holds no {which} images (or the limit kept none); a split needs at \
                     least one"
                ),
            });
        }
    }
    Ok(Mnist { train, test })
}

/// One split of CIFAR-10 in `dir` (see [`load_cifar10_first`]): the training images (the
/// five data batches in order) or the test batch, the first `limit` kept. Every batch is
/// still checked. Returns the split and the file it came from.
pub fn load_cifar10_split(
    dir: impl AsRef<Path>,
    train: bool,
    limit: Option<usize>,
) -> Result<(Split, PathBuf)> {
    let dir = dir.as_ref();
    let none = Some(0);
    let (tl, sl) = if train { (limit, none) } else { (none, limit) };
    let (source, batches) = read_batches(dir, tl, sl)?;
    let range = if train { 0..5 } else { 5..6 };
    Ok((split_of(&source, &batches[range], limit)?, source))
}

/// Where the data is and the six batches read from it (the first `train` records of each
/// training batch, the first `test` of the test batch).
fn read_batches(
    dir: &Path,
    train: Option<usize>,
    test: Option<usize>,
) -> Result<(PathBuf, Vec<Batch>)> {
    let keep = |i: usize| match i {
        5 => test.unwrap_or(usize::MAX),
        _ => train.unwrap_or(usize::MAX),
    };
    let archive = match dir.is_file() {
        true => Some(dir.to_path_buf()),
        false => Some(dir.join(CIFAR10_ARCHIVE)).filter(|p| p.is_file()),
    };
    if let Some(archive) = archive {
        let batches = read_archive(&archive, keep)?;
        return Ok((archive, batches));
    }
    for folder in [dir.join(CIFAR10_FOLDER), dir.to_path_buf()] {
        if folder.join(BATCHES[0]).is_file() {
            let batches = read_folder(&folder, keep)?;
            return Ok((folder, batches));
        }
    }
    let d = Dataset::Cifar10;
    Err(Error::FileFormat {
        path: dir.join(CIFAR10_ARCHIVE).display().to_string(),
        detail: format!(
            "CIFAR-10 not found (looked for {CIFAR10_ARCHIVE}, {CIFAR10_FOLDER}/ and \
             {} in {}). Fetch it with: {}  (in a wgtrain checkout; it also checks the \
             archive's SHA-256), or anywhere: {}  — or load it from a folder that has it \
             (Dataset::dir(Some(folder)))",
            BATCHES[0],
            dir.display(),
            d.fetch_command(dir),
            d.curl_command(dir)
        ),
    })
}

/// The batches from the extracted files in `folder`.
fn read_folder(folder: &Path, keep: impl Fn(usize) -> usize) -> Result<Vec<Batch>> {
    let mut batches = Vec::with_capacity(6);
    for (i, name) in BATCHES.iter().enumerate() {
        let path = folder.join(name);
        if !path.is_file() {
            return Err(Error::FileFormat {
                path: path.display().to_string(),
                detail: format!(
                    "missing: CIFAR-10's binary version has {} in one folder; extract the \
                     whole archive again",
                    BATCHES.join(", ")
                ),
            });
        }
        let (file, len) = open_regular(&path, "CIFAR-10 batch", MAX_BATCH_BYTES)?;
        let err = |detail: String| Error::FileFormat {
            path: path.display().to_string(),
            detail,
        };
        let reader = std::io::BufReader::new(file);
        batches.push(read_batch(reader, len, keep(i)).map_err(err)?);
    }
    let meta = folder.join(META);
    if meta.is_file() {
        let text = read_regular(&meta, "CIFAR-10 class list", 64 * 1024)?;
        check_meta(&text).map_err(|detail| Error::FileFormat {
            path: meta.display().to_string(),
            detail,
        })?;
    }
    Ok(batches)
}

/// The batches from the archive, streamed once.
fn read_archive(path: &Path, keep: impl Fn(usize) -> usize) -> Result<Vec<Batch>> {
    let (file, _) = open_regular(path, "CIFAR-10 archive", MAX_ARCHIVE_BYTES)?;
    let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
    let mut found: Vec<Option<Batch>> = (0..6).map(|_| None).collect();
    let mut python = false;
    let walk = each_file(gz, |name, size, r| {
        let base = name.rsplit('/').next().unwrap_or(name);
        python |= name.contains("cifar-10-batches-py");
        if base == META {
            if size > 64 * 1024 {
                return Err(format!(
                    "member {name} is {size} bytes; too large for a list"
                ));
            }
            let mut text = Vec::new();
            r.read_to_end(&mut text)
                .map_err(|e| format!("member {name}: {e}"))?;
            return check_meta(&text).map_err(|e| format!("member {name}: {e}"));
        }
        let Some(i) = BATCHES.iter().position(|b| *b == base) else {
            return Ok(());
        };
        if found[i].is_some() {
            return Err(format!(
                "member {name} appears twice; the archive is not CIFAR-10's as published"
            ));
        }
        let batch = read_batch(r, size, keep(i)).map_err(|e| format!("member {name}: {e}"))?;
        found[i] = Some(batch);
        Ok(())
    });
    let err = |detail: String| Error::FileFormat {
        path: path.display().to_string(),
        detail,
    };
    walk.map_err(err)?;
    let missing: Vec<&str> = (0..6)
        .filter(|&i| found[i].is_none())
        .map(|i| BATCHES[i])
        .collect();
    if !missing.is_empty() {
        return Err(err(format!(
            "has no member {}; {}",
            missing.join(", "),
            match python {
                true =>
                    "this is CIFAR-10's Python version (cifar-10-python.tar.gz); wgtrain \
                         reads the binary version, cifar-10-binary.tar.gz",
                false =>
                    "it is not CIFAR-10's binary version, or is damaged: delete it and \
                          fetch it again",
            }
        )));
    }
    Ok(found.into_iter().flatten().collect())
}

/// One batch of `len` bytes from `r`: every record checked, the first `keep` kept.
fn read_batch(mut r: impl Read, len: u64, keep: usize) -> std::result::Result<Batch, String> {
    let rec = CIFAR10_RECORD as u64;
    if len > MAX_BATCH_BYTES {
        return Err(format!(
            "{len} bytes, over the {} a CIFAR-10 batch may be (the published ones are \
             30,730,000 bytes); this is not CIFAR-10's binary version, or the file is damaged",
            crate::units::human(MAX_BATCH_BYTES as u128)
        ));
    }
    if len == 0 || !len.is_multiple_of(rec) {
        return Err(format!(
            "{len} bytes is not a whole number of {rec}-byte records (a label byte and \
             32×32×3 pixels){}; this is not CIFAR-10's binary version, or the file is damaged",
            match len {
                0 => " (it is empty)".to_string(),
                l => format!(" ({} whole records and {} bytes over)", l / rec, l % rec),
            }
        ));
    }
    let records = (len / rec) as usize;
    let kept_n = keep.min(records);
    let mut kept = Vec::with_capacity(kept_n * CIFAR10_RECORD);
    let mut buf = [0u8; CIFAR10_RECORD];
    for i in 0..records {
        r.read_exact(&mut buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => format!(
                "cut short in record {i} of the {records} its size announces; delete it and \
                 fetch it again"
            ),
            _ => format!("cannot read record {i}: {e}"),
        })?;
        if buf[0] > 9 {
            return Err(format!(
                "record {i} has label {}; CIFAR-10's labels are 0-9",
                buf[0]
            ));
        }
        if i < kept_n {
            kept.extend_from_slice(&buf);
        }
    }
    let mut extra = [0u8; 1];
    if r.read(&mut extra).map_err(|e| e.to_string())? != 0 {
        return Err(format!(
            "longer than the {len} bytes it had when opened; it changed while being read"
        ));
    }
    Ok(Batch { kept, records })
}

/// `batches.meta.txt` must list CIFAR-10's classes, one a line.
fn check_meta(text: &[u8]) -> std::result::Result<(), String> {
    let text = String::from_utf8_lossy(text);
    let names: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if names != CIFAR10_CLASSES {
        return Err(format!(
            "lists the classes {:?}, not CIFAR-10's {CIFAR10_CLASSES:?}; the files are not \
             CIFAR-10's",
            names
                .iter()
                .take(12)
                .map(|n| crate::echo::clip(n))
                .collect::<Vec<_>>()
        ));
    }
    Ok(())
}

/// The first `limit` records of `batches` (in order) as a split.
fn split_of(source: &Path, batches: &[Batch], limit: Option<usize>) -> Result<Split> {
    let total: usize = batches.iter().map(|b| b.records).sum();
    let n = limit.unwrap_or(total).min(total);
    crate::memory::check_host(
        format_args!("{} as f32 pixels", source.display()),
        n as u128 * (CIFAR10_RECORD as u128 - 1) * 4,
        "keep fewer images (the train / test limits of load_mnist_first)",
    )?;
    let mut labels = Vec::with_capacity(n);
    let mut data = Vec::with_capacity(n * (CIFAR10_RECORD - 1));
    let records = batches.iter().flat_map(|b| b.kept.chunks(CIFAR10_RECORD));
    for rec in records.take(n) {
        labels.push(rec[0]);
        data.extend(nhwc(&rec[1..]));
    }
    Ok(Split {
        images: Array::new(&[labels.len(), 32, 32, 3], data)?,
        labels,
    })
}

/// A record's planes (R, G, B, each 32×32 row-major) as pixels (y, x, channel) in [0, 1].
fn nhwc(planes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    (0..32 * 32).flat_map(move |p| (0..3).map(move |c| planes[c * 1024 + p] as f32 / 255.0))
}
