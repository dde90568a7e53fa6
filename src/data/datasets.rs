//! The data sets wgtrain knows by name (`--dataset`): their default folders, where they
//! are fetched from (`scripts/fetch-dataset.sh`, checksum-verified against
//! `scripts/datasets.sha256`) and their class names, so predictions and pictures say
//! "Sneaker", not "7". All have 10 classes. The MNIST-format ones are four IDX files of
//! 28×28 grayscale images (EMNIST's stored transposed, turned upright on loading);
//! CIFAR-10 is one archive of 32×32 colour images (see `cifar10.rs`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::Error;

/// The files, by their canonical names (each may also be found with `.gz`).
pub const FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// The archive's file name, as published.
pub const CIFAR10_ARCHIVE: &str = "cifar-10-binary.tar.gz";

/// CIFAR-10's classes, in label order.
pub const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// The command that downloads and verifies MNIST into `dir`.
pub fn fetch_command(dir: impl AsRef<Path>) -> String {
    let dir = dir.as_ref();
    if dir == Path::new("data/mnist") {
        "bash scripts/fetch-mnist.sh".to_string()
    } else {
        format!("bash scripts/fetch-mnist.sh {}", dir.display())
    }
}

/// The data folder: `explicit` (a `--data` flag), else `$MNIST_DIR`, else `data/mnist`.
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    match std::env::var_os("MNIST_DIR") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from("data/mnist"),
    }
}

/// A data set wgtrain knows by name: MNIST's format, or CIFAR-10.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dataset {
    /// The MNIST handwritten digits.
    Mnist,
    /// Zalando's Fashion-MNIST (ten kinds of clothing).
    FashionMnist,
    /// Kuzushiji-MNIST (ten cursive hiragana).
    Kmnist,
    /// EMNIST's balanced digits (240,000 training, 40,000 test), stored transposed.
    EmnistDigits,
    /// CIFAR-10's binary version: 50,000 training and 10,000 test colour images, 32×32.
    Cifar10,
}

const FASHION: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// KMNIST's ten hiragana, romanised (お き す つ な は ま や れ を).
const KMNIST: [&str; 10] = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"];

impl Dataset {
    /// Every data set, in the order listed.
    pub const ALL: [Dataset; 5] = [
        Dataset::Mnist,
        Dataset::FashionMnist,
        Dataset::Kmnist,
        Dataset::EmnistDigits,
        Dataset::Cifar10,
    ];

    /// The name `--dataset` takes.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Mnist => "mnist",
            Dataset::FashionMnist => "fashion_mnist",
            Dataset::Kmnist => "kmnist",
            Dataset::EmnistDigits => "emnist_digits",
            Dataset::Cifar10 => "cifar10",
        }
    }

    /// Its files' names: for the MNIST-format sets the four IDX files (each may also be
    /// found with `.gz`): training images and labels, test images and labels; for
    /// CIFAR-10 its one archive.
    pub fn files(self) -> Vec<String> {
        let files = match self {
            Dataset::Cifar10 => return vec![CIFAR10_ARCHIVE.to_string()],
            // EMNIST names its test split "test", not "t10k".
            Dataset::EmnistDigits => {
                FILES.map(|f| format!("emnist-digits-{}", f.replace("t10k", "test")))
            }
            _ => FILES.map(str::to_string),
        };
        files.to_vec()
    }

    /// The shape of one image: `[28, 28, 1]`, or `[32, 32, 3]` for CIFAR-10.
    pub fn image_shape(self) -> [usize; 3] {
        match self {
            Dataset::Cifar10 => [32, 32, 3],
            _ => [28, 28, 1],
        }
    }

    /// Whether its images are stored transposed (EMNIST's are), so loading turns them
    /// upright.
    pub fn transposed(self) -> bool {
        self == Dataset::EmnistDigits
    }

    /// How people write it.
    pub fn title(self) -> &'static str {
        match self {
            Dataset::Mnist => "MNIST",
            Dataset::FashionMnist => "Fashion-MNIST",
            Dataset::Kmnist => "KMNIST",
            Dataset::EmnistDigits => "EMNIST Digits",
            Dataset::Cifar10 => "CIFAR-10",
        }
    }

    /// The classes' names; `None` for MNIST, whose classes are the digits themselves.
    pub fn class_names(self) -> Option<Vec<String>> {
        let names: &[&str] = match self {
            Dataset::Mnist | Dataset::EmnistDigits => return None,
            Dataset::FashionMnist => &FASHION,
            Dataset::Kmnist => &KMNIST,
            Dataset::Cifar10 => &CIFAR10_CLASSES,
        };
        Some(names.iter().map(|s| s.to_string()).collect())
    }

    /// The data set whose class names these are (how `predict` knows a checkpoint's data).
    pub fn from_class_names(names: &[String]) -> Option<Dataset> {
        Dataset::ALL
            .into_iter()
            .find(|d| d.class_names().is_some_and(|n| n == names))
    }

    /// The folder holding its files: `explicit` (`--data`), else for MNIST `$MNIST_DIR` or
    /// `data/mnist`, for the others `data/<name>`.
    pub fn dir(self, explicit: Option<&Path>) -> PathBuf {
        match (explicit, self) {
            (Some(p), _) => p.to_path_buf(),
            (None, Dataset::Mnist) => data_dir(None),
            (None, d) => PathBuf::from("data").join(d.name()),
        }
    }

    /// The first public mirror of its four `.gz` files (CIFAR-10: of its archive).
    pub fn mirror(self) -> &'static str {
        match self {
            Dataset::Mnist => "https://ossci-datasets.s3.amazonaws.com/mnist/",
            Dataset::FashionMnist => "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            Dataset::Kmnist => "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
            Dataset::EmnistDigits => "https://biometrics.nist.gov/cs_links/EMNIST/",
            Dataset::Cifar10 => "https://www.cs.toronto.edu/~kriz/",
        }
    }

    /// The command that downloads and verifies it into `dir` (in a wgtrain checkout).
    pub fn fetch_command(self, dir: impl AsRef<Path>) -> String {
        let dir = dir.as_ref();
        match self {
            Dataset::Mnist => fetch_command(dir),
            d if dir == d.dir(None) => format!("bash scripts/fetch-dataset.sh {}", d.name()),
            d => format!(
                "bash scripts/fetch-dataset.sh {} {}",
                d.name(),
                dir.display()
            ),
        }
    }

    /// A shell command that downloads the four files (CIFAR-10: its archive) into `dir`
    /// without the script (for an installed `wgtrain` with no checkout beside it; no
    /// checksum check).
    pub fn curl_command(self, dir: impl AsRef<Path>) -> String {
        let dir = dir.as_ref();
        if self == Dataset::Cifar10 {
            return format!(
                "mkdir -p '{d}' && curl -fL -o '{d}'/{f} {url}{f}",
                d = dir.display(),
                f = CIFAR10_ARCHIVE,
                url = self.mirror()
            );
        }
        if self == Dataset::EmnistDigits {
            return format!(
                "mkdir -p '{d}' && curl -fL -o '{d}'/gzip.zip {url}gzip.zip && unzip -j -o \
                 '{d}'/gzip.zip 'gzip/emnist-digits-*' -d '{d}'",
                d = dir.display(),
                url = self.mirror()
            );
        }
        format!(
            "mkdir -p '{d}' && for f in train-images-idx3-ubyte train-labels-idx1-ubyte \
             t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do curl -fL -o '{d}'/$f.gz \
             {url}$f.gz || break; done",
            d = dir.display(),
            url = self.mirror()
        )
    }
}

impl FromStr for Dataset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Dataset::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| Error::BadSetting {
                name: "dataset",
                value: s.to_string(),
                reason: "use mnist, fashion_mnist, kmnist or emnist_digits (MNIST's \
                         format), or cifar10 (or load_image_folder for a folder of images)"
                    .into(),
            })
    }
}
