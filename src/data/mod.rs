//! Datasets: the IDX reader, MNIST, CIFAR-10 (its binary archive), and digit images
//! from PNG/JPEG files.

mod cifar10;
mod csv_rows;
mod csv_stats;
mod csv_table;
mod datasets;
mod digit_image;
mod idx;
mod image_folder;
mod mnist;
mod raw_image;
mod split;
mod ustar;

pub use cifar10::{load_cifar10_first, load_cifar10_split, CIFAR10_FOLDER, CIFAR10_RECORD};
pub use csv_rows::MAX_CSV_BYTES;
pub use csv_table::{load_csv, LabelsRead, Table, Tabular, Target};
pub use datasets::{data_dir, Dataset, CIFAR10_ARCHIVE, CIFAR10_CLASSES};
pub use digit_image::{decode_bytes, digit_from_gray, digit_from_image, load_digit, load_item};
pub use idx::{parse_idx, parse_idx_bytes, read_idx, read_idx_first, IdxArray};
pub use image_folder::{load_image, load_image_folder, load_image_folder_for_run, ImageFolder};
pub use mnist::{
    load_dataset_first, load_dataset_split, load_mnist, load_mnist_first, load_split,
    load_split_first, load_split_from_bytes, split_files, split_files_of,
};
pub use raw_image::load_image_raw;
pub use split::{Mnist, Split};
