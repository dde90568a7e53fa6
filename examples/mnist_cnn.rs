//! Tutorial: the Keras MNIST CNN with wgtrain's library API, layer by layer — Conv2D 32 3×3
//! ReLU → MaxPooling2D 2 → Conv2D 64 3×3 ReLU → MaxPooling2D 2 → Conv2D 64 3×3 ReLU →
//! Flatten → Dense 64 ReLU → Dense 10 softmax; Adam, batch 32, validation_split 0.2.
//!
//!     cargo run --release --example mnist_cnn          # on the GPU
//!     cargo run --release --example mnist_cnn -- cpu   # on the CPU reference device
//!
//! The command-line tool does the same with checkpoints, history and pictures:
//! `wgtrain train --model cnn --epochs 5` (see README).

use wgtrain::data::{data_dir, load_mnist};
use wgtrain::nn::{
    layers::{Conv2D, Dense, Flatten, MaxPooling2D},
    to_categorical, Activation, Device, DeviceKind, FitOptions, Loss, Metric, Optimizer,
    Sequential,
};

fn main() -> wgtrain::Result<()> {
    // The images as [n, 28, 28, 1] (NHWC, channels last as in Keras), labels one-hot.
    let mnist = load_mnist(data_dir(None))?;
    let y_train = to_categorical(&mnist.train.labels, 10)?;
    let y_test = to_categorical(&mnist.test.labels, 10)?;

    let kind: DeviceKind = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("gpu")
        .parse()?;
    let mut model = Sequential::new(Device::new(kind)?, &[28, 28, 1]).with_seed(42);
    model.add(Conv2D::new(32, (3, 3), Activation::Relu))?;
    model.add(MaxPooling2D::new((2, 2)))?;
    model.add(Conv2D::new(64, (3, 3), Activation::Relu))?;
    model.add(MaxPooling2D::new((2, 2)))?;
    model.add(Conv2D::new(64, (3, 3), Activation::Relu))?;
    model.add(Flatten::new())?;
    model.add(Dense::new(64, Activation::Relu))?;
    model.add(Dense::new(10, Activation::Softmax))?;
    println!("running on {}\n{}", model.device().name(), model.summary());

    // Keras's defaults spelled out: Adam(learning_rate=0.001), batch_size=32.
    model.compile(
        Optimizer::adam_lr(1e-3),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )?;
    // fit with a callback, as Keras's callbacks: it sees each epoch's log.
    let options = FitOptions {
        epochs: 5,
        validation_split: 0.2,
        ..FitOptions::default()
    };
    model.fit_with(&mnist.train.images, &y_train, &options, |log| {
        let acc = log.val_accuracy.unwrap_or(f32::NAN);
        println!("after epoch {}: validation accuracy {acc:.4}", log.epoch);
    })?;

    let test = model.evaluate(&mnist.test.images, &y_test)?;
    println!(
        "test loss {:.4}, test accuracy {:.4}",
        test.loss,
        test.accuracy.unwrap_or(f32::NAN)
    );
    Ok(())
}
