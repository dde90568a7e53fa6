//! Datasets: the IDX reader, MNIST, and digit images from PNG/JPEG files.

pub mod csv_rows;
pub mod csv_stats;
pub mod csv_table;
pub mod datasets;
pub mod digit_image;
pub mod idx;
pub mod image_folder;
pub mod mnist;

pub use csv_table::{load_csv, LabelsRead, Table, Tabular, Target};
pub use datasets::Dataset;
pub use digit_image::{digit_from_gray, digit_from_image, load_digit, load_item};
pub use idx::{parse_idx, parse_idx_bytes, read_idx, read_idx_first, IdxArray};
pub use image_folder::{load_image, load_image_folder, load_image_folder_for_run, ImageFolder};
pub use mnist::{data_dir, load_dataset_first, load_mnist, load_mnist_first, Mnist, Split};
