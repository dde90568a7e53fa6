//! The seed MLP from the Keras tutorial: 784 → Dense 64 ReLU → Dense 10 softmax, Adam,
//! categorical cross-entropy, batch 32, validation_split 0.2, 10 epochs, then the test set.
//!
//!     cargo run --release --example mnist_mlp -- [--device gpu|cpu] [--epochs 10] [--json]

mod common;

use common::{or_exit, parse_args, train_and_test};
use wgtrain::nn::models::mnist_mlp;
use wgtrain::nn::{to_categorical, Loss, Metric, Optimizer};

fn main() {
    let args = parse_args(10, 32);
    let data = args.mnist();
    let (x_train, x_test) = (data.train.flat_images(), data.test.flat_images());
    let y_train = or_exit(to_categorical(&data.train.labels, 10));
    let y_test = or_exit(to_categorical(&data.test.labels, 10));

    let mut model = or_exit(mnist_mlp(args.backend(), args.seed, true));
    or_exit(model.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    ));

    train_and_test(
        &args, "mlp", &mut model, &x_train, &y_train, &x_test, &y_test,
    );
}
