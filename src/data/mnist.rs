//! MNIST: find the data folder (`--data`, else `MNIST_DIR`, else `data/mnist`), read the
//! four IDX files (raw or `.gz`), check images against labels, scale pixels to [0, 1].
//! Missing files produce the exact command that fetches them.

use std::path::{Path, PathBuf};

use super::datasets::Dataset;
use super::idx::{parse_idx_bytes, read_idx_first, IdxArray};
use super::split::{Mnist, Split};
use crate::array::Array;
use crate::error::{Error, Result};

/// Load MNIST from `dir` (see [`data_dir`](super::data_dir)).
pub fn load_mnist(dir: impl AsRef<Path>) -> Result<Mnist> {
    let dir = dir.as_ref();
    load_mnist_first(dir, None, None)
}

/// Load MNIST keeping only the first `train` training and `test` test samples (all when
/// `None`): memory is spent on those only, though every file is still checked whole.
/// Both splits must be non-empty and their images the same size; errors name the file.
pub fn load_mnist_first(
    dir: impl AsRef<Path>,
    train: Option<usize>,
    test: Option<usize>,
) -> Result<Mnist> {
    let dir = dir.as_ref();
    load_dataset_first(Dataset::Mnist, dir, train, test)
}

/// [`load_mnist_first`] for any named data set: MNIST's format, or CIFAR-10 (read by
/// [`load_cifar10_first`](super::load_cifar10_first)). A missing file's message names the
/// data set and its fetch command.
pub fn load_dataset_first(
    dataset: Dataset,
    dir: impl AsRef<Path>,
    train: Option<usize>,
    test: Option<usize>,
) -> Result<Mnist> {
    let dir = dir.as_ref();
    if dataset == Dataset::Cifar10 {
        return super::cifar10::load_cifar10_first(dir, train, test);
    }
    let paths: Vec<PathBuf> = dataset
        .files()
        .iter()
        .map(|f| find(dataset, dir, f))
        .collect::<Result<_>>()?;
    let mut train = load_split_first(&paths[0], &paths[1], train)?;
    let mut test = load_split_first(&paths[2], &paths[3], test)?;
    if dataset.transposed() {
        train.transpose_images();
        test.transpose_images();
    }
    for (split, path) in [(&train, &paths[0]), (&test, &paths[2])] {
        if split.is_empty() {
            return Err(Error::FileFormat {
                path: path.display().to_string(),
                detail: "holds no images (or the limit kept none); an MNIST split needs at \
                         least one"
                    .into(),
            });
        }
    }
    let (a, b) = (train.images.sample_shape(), test.images.sample_shape());
    if a != b {
        return Err(Error::FileFormat {
            path: paths[2].display().to_string(),
            detail: format!(
                "test images are {}×{} but the training images ({}) are {}×{}; the files do \
                 not belong together",
                b[0],
                b[1],
                paths[0].display(),
                a[0],
                a[1]
            ),
        });
    }
    Ok(Mnist { train, test })
}

/// The (images, labels) files of one split in `dir`: the training split or the test split.
pub fn split_files(dir: impl AsRef<Path>, train: bool) -> Result<(PathBuf, PathBuf)> {
    let dir = dir.as_ref();
    split_files_of(Dataset::Mnist, dir, train)
}

/// One split of a named data set in `dir`, the first `limit` samples kept (images turned
/// upright where stored transposed); with the file its images came from. Refused when it
/// holds no samples.
pub fn load_dataset_split(
    dataset: Dataset,
    dir: impl AsRef<Path>,
    train: bool,
    limit: Option<usize>,
) -> Result<(Split, PathBuf)> {
    let dir = dir.as_ref();
    let (split, source) = match dataset {
        Dataset::Cifar10 => super::cifar10::load_cifar10_split(dir, train, limit)?,
        _ => {
            let (images, labels) = split_files_of(dataset, dir, train)?;
            let mut split = load_split_first(&images, &labels, limit)?;
            if dataset.transposed() {
                split.transpose_images();
            }
            (split, images)
        }
    };
    if split.is_empty() {
        return Err(Error::FileFormat {
            path: source.display().to_string(),
            detail: "holds no images".into(),
        });
    }
    Ok((split, source))
}

/// [`split_files`] for any data set in MNIST's format (CIFAR-10, one archive, is refused:
/// read it with [`load_dataset_split`]).
pub fn split_files_of(
    dataset: Dataset,
    dir: impl AsRef<Path>,
    train: bool,
) -> Result<(PathBuf, PathBuf)> {
    let dir = dir.as_ref();
    if dataset == Dataset::Cifar10 {
        return Err(Error::Unsupported {
            context: format!("split_files_of({})", dir.display()),
            feature: "CIFAR-10".into(),
            reason: "it is one archive, not IDX image and label files; read a split with \
                     load_dataset_split"
                .into(),
        });
    }
    let (i, l) = if train { (0, 1) } else { (2, 3) };
    let files = dataset.files();
    Ok((
        find(dataset, dir, &files[i])?,
        find(dataset, dir, &files[l])?,
    ))
}

/// Images and labels from two IDX files, checked against each other.
pub fn load_split(images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Split> {
    let images = images.as_ref();
    let labels = labels.as_ref();
    load_split_first(images, labels, None)
}

/// The same keeping the first `limit` samples.
pub fn load_split_first(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
    limit: Option<usize>,
) -> Result<Split> {
    let images = images.as_ref();
    let labels = labels.as_ref();
    let im = read_idx_first(images, limit)?;
    // Pixels become f32 (4 bytes each); check before converting.
    let bytes = im.data.len() as u128 * 4;
    crate::memory::check_host(
        format_args!("{} as f32 pixels", images.display()),
        bytes,
        "keep fewer images (the train / test limits of load_mnist_first)",
    )?;
    let lb = read_idx_first(labels, limit)?;
    split_from_idx(images, &im, labels, &lb)
}

/// [`load_split_first`] from the two files' bytes in memory (raw or gzip, told by the gzip
/// magic), as a browser hands them over; `images_name` and `labels_name` stand for the
/// files in errors.
pub fn load_split_from_bytes(
    images: &[u8],
    images_name: &str,
    labels: &[u8],
    labels_name: &str,
    limit: Option<usize>,
) -> Result<Split> {
    let parse = |bytes: &[u8], name: &str| {
        parse_idx_bytes(bytes, limit).map_err(|detail| Error::FileFormat {
            path: name.to_string(),
            detail,
        })
    };
    let im = parse(images, images_name)?;
    let lb = parse(labels, labels_name)?;
    split_from_idx(Path::new(images_name), &im, Path::new(labels_name), &lb)
}

fn split_from_idx(ip: &Path, im: &IdxArray, lp: &Path, lb: &IdxArray) -> Result<Split> {
    if im.dims.len() != 3 {
        return Err(Error::FileFormat {
            path: ip.display().to_string(),
            detail: format!(
                "images need 3 dimensions (n, rows, cols), found {:?}",
                im.dims
            ),
        });
    }
    if lb.dims.len() != 1 {
        return Err(Error::FileFormat {
            path: lp.display().to_string(),
            detail: format!("labels need 1 dimension, found {:?}", lb.dims),
        });
    }
    if im.file_items != lb.file_items {
        return Err(Error::FileFormat {
            path: lp.display().to_string(),
            detail: format!(
                "{} labels but {} has {} images; the files do not belong together",
                lb.file_items,
                ip.display(),
                im.file_items
            ),
        });
    }
    if im.dims[1] == 0 || im.dims[2] == 0 {
        return Err(Error::FileFormat {
            path: ip.display().to_string(),
            detail: format!("images of {}×{} pixels are empty", im.dims[1], im.dims[2]),
        });
    }
    if let Some((i, &l)) = lb.data.iter().enumerate().find(|(_, &l)| l > 9) {
        return Err(Error::FileFormat {
            path: lp.display().to_string(),
            detail: format!("label {l} at index {i} is not a digit 0-9"),
        });
    }
    let (n, h, w) = (im.dims[0], im.dims[1], im.dims[2]);
    let data = im.data.iter().map(|&p| p as f32 / 255.0).collect();
    Ok(Split {
        images: Array::new(&[n, h, w, 1], data)?,
        labels: lb.data.clone(),
    })
}

/// `dir/name` or `dir/name.gz`, or an error that gives the fetch command.
fn find(dataset: Dataset, dir: &Path, name: &str) -> Result<PathBuf> {
    for candidate in [dir.join(name), dir.join(format!("{name}.gz"))] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    let point = match dataset {
        Dataset::Mnist => "data_dir(Some(folder)) or MNIST_DIR",
        _ => "Dataset::dir(Some(folder))",
    };
    Err(Error::FileFormat {
        path: dir.join(format!("{name}.gz")).display().to_string(),
        detail: format!(
            "{} not found (looked for {name} and {name}.gz in {}). Fetch it with: {}  \
             (in a wgtrain checkout; it also checks the files' SHA-256), or anywhere: {}  \
             — or load it from a folder that has it ({point})",
            dataset.title(),
            dir.display(),
            dataset.fetch_command(dir),
            dataset.curl_command(dir)
        ),
    })
}
