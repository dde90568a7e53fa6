//! What a data set loads into: a split of images and labels, and the two splits of a
//! named data set (MNIST's format or CIFAR-10's).

use crate::array::Array;

/// One split: images [n, 28, 28, 1] (CIFAR-10's [n, 32, 32, 3]) in [0, 1] and labels
/// 0..=9.
#[derive(Clone, Debug)]
pub struct Split {
    /// Images `[n, height, width, channels]`, values in [0, 1].
    pub images: Array,
    /// Labels, one class 0..=9 per image.
    pub labels: Vec<u8>,
}

impl Split {
    /// Samples `start..end` (clamped to the split).
    pub fn slice(&self, start: usize, end: usize) -> Split {
        let end = end.min(self.labels.len());
        let start = start.min(end);
        Split {
            images: self.images.slice_rows(start, end),
            labels: self.labels[start..end].to_vec(),
        }
    }

    /// Each image mirrored over its diagonal (EMNIST stores its images transposed).
    pub fn transpose_images(&mut self) {
        let shape = self.images.shape.clone();
        let (h, w) = (shape[1], shape[2]);
        let c = shape[3];
        let per = h * w * c;
        let mut out = vec![0.0f32; self.images.data.len()];
        for (src, dst) in self.images.data.chunks(per).zip(out.chunks_mut(per)) {
            for y in 0..h {
                for x in 0..w {
                    for k in 0..c {
                        dst[(x * h + y) * c + k] = src[(y * w + x) * c + k];
                    }
                }
            }
        }
        self.images.data = out;
        self.images.shape = vec![shape[0], w, h, c];
    }

    /// The first `n` samples (all if fewer).
    pub fn take(&self, n: usize) -> Split {
        let n = n.min(self.labels.len());
        Split {
            images: self.images.slice_rows(0, n),
            labels: self.labels[..n].to_vec(),
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Images flattened to [n, 784] (for the MLP).
    pub fn flat_images(&self) -> Array {
        let n = self.len();
        Array {
            data: self.images.data.clone(),
            shape: vec![n, self.images.row_len()],
        }
    }
}

/// MNIST's 60,000 training and 10,000 test samples (or another named data set's).
#[derive(Clone, Debug)]
pub struct Mnist {
    /// The training split (MNIST's 60,000 samples).
    pub train: Split,
    /// The test split (MNIST's 10,000 samples).
    pub test: Split,
}
