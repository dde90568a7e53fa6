//! The seed MLP from the Keras tutorial: 784 → Dense 64 ReLU → Dense 10 softmax, Adam,
//! categorical cross-entropy, batch 32, validation_split 0.2, 10 epochs, then the test set.
//!
//!     cargo run --release --example mnist_mlp -- [--device gpu|cpu] [--epochs 10] [--json]

mod common;

use common::{or_exit, parse_args, train_and_test};
use wgtrain::nn::{to_categorical, Activation, Dense, Loss, Metric, Optimizer, Sequential};

fn main() {
    let args = parse_args(10, 32);
    let data = args.mnist();
    let (x_train, x_test) = (data.train.flat_images(), data.test.flat_images());
    let y_train = or_exit(to_categorical(&data.train.labels, 10));
    let y_test = or_exit(to_categorical(&data.test.labels, 10));

    let mut model = Sequential::new(args.backend(), &[784]).with_seed(args.seed);
    or_exit(model.add(Dense::new(64, Activation::Relu)));
    or_exit(model.add(Dense::new(10, Activation::Softmax)));
    or_exit(model.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    ));

    train_and_test(
        &args, "mlp", &mut model, &x_train, &y_train, &x_test, &y_test,
    );
}
