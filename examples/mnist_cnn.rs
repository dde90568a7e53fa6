//! The seed CNN from the Keras tutorial: Conv2D 32 3×3 ReLU → MaxPooling2D 2 → Conv2D 64
//! 3×3 ReLU → MaxPooling2D 2 → Conv2D 64 3×3 ReLU → Flatten → Dense 64 ReLU → Dense 10
//! softmax; Adam, categorical cross-entropy, batch 32, validation_split 0.2.
//!
//!     cargo run --release --example mnist_cnn -- [--device gpu|cpu] [--epochs 5] [--json]

mod common;

use common::{or_exit, parse_args, train_and_test};
use wgtrain::nn::models::mnist_cnn;
use wgtrain::nn::{to_categorical, Loss, Metric, Optimizer};

fn main() {
    let args = parse_args(5, 32);
    let data = args.mnist();
    let y_train = or_exit(to_categorical(&data.train.labels, 10));
    let y_test = or_exit(to_categorical(&data.test.labels, 10));

    let mut model = or_exit(mnist_cnn(args.backend(), args.seed));
    or_exit(model.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    ));

    let (x_train, x_test) = (&data.train.images, &data.test.images);
    train_and_test(&args, "cnn", &mut model, x_train, &y_train, x_test, &y_test);
}
