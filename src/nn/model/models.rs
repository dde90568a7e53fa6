//! The Keras tutorial models wgtrain reproduces, ready to compile: the seed MLP and CNN
//! for MNIST, and the same CNN on CIFAR-10's 32×32×3 (TensorFlow's CNN tutorial). (The
//! examples, the bench and the tests build them from here.)

use crate::error::Result;
use crate::nn::{
    layers::{Conv2D, Dense, Flatten, MaxPooling2D},
    Activation, Device, Sequential,
};

/// 28×28×1 → Flatten → Dense 64 ReLU → Dense 10 softmax (50,890 parameters). Takes the
/// images as [n, 28, 28, 1] or already flat as [n, 784] (`flat`).
pub fn mnist_mlp(device: Device, seed: u64, flat: bool) -> Result<Sequential> {
    let input: &[usize] = if flat { &[784] } else { &[28, 28, 1] };
    let mut m = Sequential::new(device, input).with_seed(seed);
    if !flat {
        m.add(Flatten::new())?;
    }
    m.add(Dense::new(64, Activation::Relu))?;
    m.add(Dense::new(10, Activation::Softmax))?;
    Ok(m)
}

/// Conv2D 32 3×3 ReLU → MaxPooling2D 2 → Conv2D 64 3×3 ReLU → MaxPooling2D 2 → Conv2D 64
/// 3×3 ReLU → Flatten → Dense 64 ReLU → Dense 10 softmax on [n, 28, 28, 1] (93,322
/// parameters).
pub fn mnist_cnn(device: Device, seed: u64) -> Result<Sequential> {
    image_cnn(device, seed, [28, 28, 1])
}

/// The seed CNN on CIFAR-10's [n, 32, 32, 3]: TensorFlow's CNN tutorial (122,570
/// parameters).
pub fn cifar10_cnn(device: Device, seed: u64) -> Result<Sequential> {
    image_cnn(device, seed, [32, 32, 3])
}

/// The seed CNN's layers on images of `[height, width, channels]` (the last convolution
/// must still have at least one pixel: sides of at least 18).
pub fn image_cnn(device: Device, seed: u64, input: [usize; 3]) -> Result<Sequential> {
    let mut m = Sequential::new(device, &input).with_seed(seed);
    m.add(Conv2D::new(32, (3, 3), Activation::Relu))?;
    m.add(MaxPooling2D::new((2, 2)))?;
    m.add(Conv2D::new(64, (3, 3), Activation::Relu))?;
    m.add(MaxPooling2D::new((2, 2)))?;
    m.add(Conv2D::new(64, (3, 3), Activation::Relu))?;
    m.add(Flatten::new())?;
    m.add(Dense::new(64, Activation::Relu))?;
    m.add(Dense::new(10, Activation::Softmax))?;
    Ok(m)
}

/// The seed MLP on images of `[height, width, channels]`: Flatten → Dense 64 ReLU →
/// Dense 10 softmax.
pub fn image_mlp(device: Device, seed: u64, input: [usize; 3]) -> Result<Sequential> {
    let mut m = Sequential::new(device, &input).with_seed(seed);
    m.add(Flatten::new())?;
    m.add(Dense::new(64, Activation::Relu))?;
    m.add(Dense::new(10, Activation::Softmax))?;
    Ok(m)
}
