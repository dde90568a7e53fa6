//! Tutorial: the Keras MNIST MLP, written with wgtrain's library API — the same steps as
//! the Keras tutorial: load the data, stack layers, compile, fit, evaluate, predict.
//!
//!     cargo run --release --example mnist_mlp          # on the GPU
//!     cargo run --release --example mnist_mlp -- cpu   # on the CPU reference device
//!
//! The command-line tool does the same with checkpoints, history and pictures:
//! `wgtrain train --model mlp` (see README).

use wgtrain::data::{data_dir, load_mnist};
use wgtrain::nn::{
    layers::Dense, to_categorical, Activation, Device, DeviceKind, FitOptions, Loss, Metric,
    Optimizer, Sequential,
};

fn main() -> wgtrain::Result<()> {
    // 1. The data: MNIST from $MNIST_DIR (or data/mnist; scripts/fetch-mnist.sh fetches
    //    it). Pixels are already scaled to [0, 1]; the MLP takes each image as 784 values.
    let mnist = load_mnist(data_dir(None))?;
    let (x_train, x_test) = (mnist.train.flat_images(), mnist.test.flat_images());
    let y_train = to_categorical(&mnist.train.labels, 10)?;
    let y_test = to_categorical(&mnist.test.labels, 10)?;

    // 2. The model: 784 → Dense 64 ReLU → Dense 10 softmax.
    let kind: DeviceKind = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("gpu")
        .parse()?;
    let mut model = Sequential::new(Device::new(kind)?, &[784]).with_seed(42);
    model.add(Dense::new(64, Activation::Relu))?;
    model.add(Dense::new(10, Activation::Softmax))?;
    println!("running on {}\n{}", model.device().name(), model.summary());

    // 3. compile: Adam, categorical cross-entropy, accuracy.
    model.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )?;

    // 4. fit: 10 epochs of batch 32, the last 20 % of the training images held out.
    let options = FitOptions {
        epochs: 10,
        batch_size: 32,
        validation_split: 0.2,
        ..FitOptions::default()
    };
    model.fit(&x_train, &y_train, &options)?;

    // 5. evaluate on the test set, 6. predict the first test image.
    let test = model.evaluate(&x_test, &y_test)?;
    println!(
        "test loss {:.4}, test accuracy {:.4}",
        test.loss,
        test.accuracy.unwrap_or(f32::NAN)
    );
    let probs = model.predict(&x_test.slice_rows(0, 1))?;
    let best = probs.argmax_rows()[0];
    println!(
        "first test image: predicted {best}, labelled {}",
        mnist.test.labels[0]
    );
    Ok(())
}
