//! Datasets: the IDX reader and MNIST.

pub mod idx;
pub mod mnist;

pub use idx::{parse_idx, read_idx, IdxArray};
pub use mnist::{data_dir, load_mnist, Mnist, Split};
