//! The layers, one file each, named as in Keras.

/// `impl Layer` for a Keras class that is a thin wrapper (`struct Name(Inner)`) around a
/// shared implementation with `kind`, `spec`, `build`, `forward`, `call` and `backward` (and, with
/// `fuses`, `can_fuse` and `set_fusion`).
macro_rules! delegate_layer {
    ($name:ident, fuses) => {
        delegate_layer!($name, {
            fn can_fuse(&self) -> CanFuse {
                self.0.can_fuse()
            }

            fn set_fusion(&mut self, plan: LayerFusion) {
                self.0.set_fusion(plan)
            }
        });
    };
    ($name:ident) => {
        delegate_layer!($name, {});
    };
    ($name:ident, { $($fusion:item)* }) => {
        impl Layer for $name {
            fn kind(&self) -> &'static str {
                self.0.kind()
            }

            fn spec(&self) -> LayerSpec {
                self.0.spec()
            }

            fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
                self.0.build(input_shape)
            }

            fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
                self.0.forward(dev, x)
            }

            fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
                self.0.call(dev, x)
            }

            fn backward(
                &mut self,
                dev: &Device,
                dy: &Tensor,
                need_dx: bool,
            ) -> Result<Option<Tensor>> {
                self.0.backward(dev, dy, need_dx)
            }

            $($fusion)*
        }
    };
}

mod activation;
mod affine;
mod augment;
mod batch_normalization;
mod conv2d;
mod dense;
mod depthwise_conv2d;
mod dropout;
mod flatten;
mod global_pooling2d;
mod layer_normalization;
mod leaky_relu;
mod pooling2d;
mod rescaling;
mod reshape;
mod separable_conv2d;
mod spatial_dropout2d;
mod zero_padding2d;

pub use activation::{Activation, ReLU, Softmax};
pub use augment::{RandomAugment, RandomFlip, RandomRotation, RandomTranslation, RandomZoom};
pub use batch_normalization::BatchNormalization;
pub use conv2d::Conv2D;
pub use dense::Dense;
pub use depthwise_conv2d::DepthwiseConv2D;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use global_pooling2d::{GlobalAveragePooling2D, GlobalMaxPooling2D};
pub use layer_normalization::LayerNormalization;
pub use leaky_relu::LeakyReLU;
pub use pooling2d::{AveragePooling2D, MaxPooling2D};
pub use rescaling::Rescaling;
pub use reshape::Reshape;
pub use separable_conv2d::SeparableConv2D;
pub use spatial_dropout2d::SpatialDropout2D;
pub use zero_padding2d::ZeroPadding2D;
