//! `Sequential::from_spec`: the model a `ModelSpec` (JSON with Keras's layer names)
//! describes, with each field checked and errors naming the layer (by its name if it was
//! given one, else its index) and the field. Each layer keeps the name the description gives.

use super::Sequential;
use crate::error::{Error, Result};
use crate::geometry::Padding;
use crate::nn::device::Device;
use crate::nn::model::layers::{self, Conv2D, Dense, Dropout, Flatten, MaxPooling2D};
use crate::nn::model::spec::names::label;
use crate::nn::model::spec::{LayerSpec, ModelSpec};
use crate::nn::Activation;

impl Sequential {
    /// The model a description gives, on `device` (not yet compiled), its layers named as
    /// the description names them. Errors name the layer (its name, or its index if it has
    /// the generated one) and the field, or the shapes that do not fit. Its weights are
    /// built at its first use (`build`, `compile`, `load_weights`, `set_weights`), from
    /// `seed` as `add` would build them, so reading a description (or a file's, to check
    /// it) allocates nothing.
    pub fn from_spec(spec: &ModelSpec, device: Device, seed: u64) -> Result<Sequential> {
        let mut m = Sequential::new(device, &spec.input_shape).with_seed(seed);
        m.build_on_add = false;
        for (i, l) in spec.layers.iter().enumerate() {
            let given = spec.names.get(i).and_then(Option::as_deref);
            let at = label(i, given, l.kind());
            let field = |name: &str, e: Error| Error::Model(format!("{at}: field `{name}`: {e}"));
            let positive = |name: &str, v: usize| match v {
                0 => Err(Error::Model(format!(
                    "{at}: field `{name}` must be at least 1"
                ))),
                _ => Ok(()),
            };
            // The layer's `add` below gives it this name.
            m.next_name = given.map(str::to_string);
            match l {
                LayerSpec::Dense {
                    units,
                    activation,
                    use_bias,
                    kernel_initializer,
                    bias_initializer,
                    trainable,
                    kernel_regularizer,
                    bias_regularizer,
                } => {
                    positive("units", *units)?;
                    let act: Activation = activation.parse().map_err(|e| field("activation", e))?;
                    m.add(
                        Dense::new(*units, act)
                            .use_bias(*use_bias)
                            .kernel_initializer(*kernel_initializer)
                            .bias_initializer(*bias_initializer)
                            .trainable(*trainable)
                            .regularizers(*kernel_regularizer, *bias_regularizer),
                    )?;
                }
                LayerSpec::Conv2D {
                    filters,
                    kernel_size,
                    strides,
                    padding,
                    activation,
                    use_bias,
                    kernel_initializer,
                    bias_initializer,
                    trainable,
                    kernel_regularizer,
                    bias_regularizer,
                } => {
                    positive("filters", *filters)?;
                    positive("kernel_size", kernel_size.0.min(kernel_size.1))?;
                    positive("strides", strides.0.min(strides.1))?;
                    let act: Activation = activation.parse().map_err(|e| field("activation", e))?;
                    let pad: Padding = padding.parse().map_err(|e| field("padding", e))?;
                    m.add(
                        Conv2D::new(*filters, (kernel_size.0, kernel_size.1), act)
                            .strides((strides.0, strides.1))
                            .padding(pad)
                            .use_bias(*use_bias)
                            .kernel_initializer(*kernel_initializer)
                            .bias_initializer(*bias_initializer)
                            .trainable(*trainable)
                            .regularizers(*kernel_regularizer, *bias_regularizer),
                    )?;
                }
                LayerSpec::MaxPooling2D {
                    pool_size,
                    strides,
                    padding,
                } => {
                    positive("pool_size", pool_size.0.min(pool_size.1))?;
                    let pad: Padding = padding.parse().map_err(|e| field("padding", e))?;
                    let mut p = MaxPooling2D::new((pool_size.0, pool_size.1)).padding(pad);
                    if let Some(s) = strides {
                        positive("strides", s.0.min(s.1))?;
                        p = p.strides((s.0, s.1));
                    }
                    m.add(p)?;
                }
                LayerSpec::AveragePooling2D {
                    pool_size,
                    strides,
                    padding,
                } => {
                    positive("pool_size", pool_size.0.min(pool_size.1))?;
                    let pad: Padding = padding.parse().map_err(|e| field("padding", e))?;
                    let mut p =
                        layers::AveragePooling2D::new((pool_size.0, pool_size.1)).padding(pad);
                    if let Some(s) = strides {
                        positive("strides", s.0.min(s.1))?;
                        p = p.strides((s.0, s.1));
                    }
                    m.add(p)?;
                }
                LayerSpec::Flatten {} => m.add(Flatten::new())?,
                LayerSpec::Dropout { rate, seed } => {
                    let d = Dropout::new(*rate);
                    m.add(match seed {
                        Some(s) => d.with_seed(*s),
                        None => d,
                    })?
                }
                LayerSpec::Activation { activation } => {
                    let act: Activation = activation.parse().map_err(|e| field("activation", e))?;
                    m.add(layers::Activation::new(act))?;
                }
                LayerSpec::GlobalAveragePooling2D {} => {
                    m.add(layers::GlobalAveragePooling2D::new())?
                }
                LayerSpec::GlobalMaxPooling2D {} => m.add(layers::GlobalMaxPooling2D::new())?,
                LayerSpec::LeakyReLU { negative_slope } => {
                    m.add(layers::LeakyReLU::new(*negative_slope))?
                }
                LayerSpec::BatchNormalization { momentum, epsilon } => m.add(
                    layers::BatchNormalization::new()
                        .momentum(*momentum)
                        .epsilon(*epsilon),
                )?,
                LayerSpec::LayerNormalization(a) => {
                    m.add(layers::LayerNormalization::new().epsilon(a.epsilon))?
                }
                LayerSpec::SpatialDropout2D(a) => {
                    let mut l = layers::SpatialDropout2D::new(a.rate);
                    if let Some(seed) = a.seed {
                        l = l.with_seed(seed);
                    }
                    m.add(l)?
                }
                LayerSpec::RandomFlip(_)
                | LayerSpec::RandomTranslation(_)
                | LayerSpec::RandomRotation(_)
                | LayerSpec::RandomZoom(_) => m.add(layers::RandomAugment::of(l.clone()))?,
                LayerSpec::DepthwiseConv2D(a) => m.add(
                    layers::DepthwiseConv2D::from_args(a)
                        .map_err(|e| Error::Model(format!("{at}: {e}")))?,
                )?,
                LayerSpec::SeparableConv2D(a) => m.add(
                    layers::SeparableConv2D::from_args(a)
                        .map_err(|e| Error::Model(format!("{at}: {e}")))?,
                )?,
                LayerSpec::Rescaling { scale, offset } => {
                    m.add(layers::Rescaling::new(*scale, *offset))?
                }
                LayerSpec::ReLU {} => m.add(layers::ReLU::new())?,
                LayerSpec::Softmax { .. } => m.add(layers::Softmax::new())?,
                LayerSpec::ZeroPadding2D { padding } => {
                    m.add(layers::ZeroPadding2D::new(padding.0, padding.1))?
                }
                LayerSpec::Custom { class_name, .. } => {
                    return Err(Error::Model(format!(
                        "{}: a layer defined outside wgtrain, which a description \
                         cannot build; build the model in Rust with Sequential::add (the \
                         same layers) and then load_weights",
                        label(i, given, class_name)
                    )))
                }
                LayerSpec::Reshape { target_shape } => {
                    let dims: Option<Vec<isize>> = target_shape
                        .iter()
                        .map(|&d| isize::try_from(d).ok())
                        .collect();
                    let Some(dims) = dims else {
                        return Err(field("target_shape", Error::Model("too large".into())));
                    };
                    m.add(layers::Reshape::new(&dims))?;
                }
            }
        }
        Ok(m)
    }
}
