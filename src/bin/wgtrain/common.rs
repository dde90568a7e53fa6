//! What the subcommands share: choosing the device, loading MNIST shaped for a model,
//! and the confusion matrix.

use std::path::Path;

use clap::builder::TypedValueParser;

use wgtrain::data::{load_dataset_first, load_image_folder_for_run, Dataset, Mnist, Split};
use wgtrain::nn::models::{image_cnn, image_mlp};
use wgtrain::nn::{
    to_categorical, Activation, Array, Device, DeviceKind, Loss, ModelSpec, Sequential,
};
use wgtrain::{Error, Result};

/// `--device gpu|cpu`, parsed into the library's `DeviceKind` (clap lists the values).
pub fn device_kind() -> impl clap::builder::TypedValueParser<Value = DeviceKind> {
    clap::builder::PossibleValuesParser::new(["gpu", "cpu"])
        .map(|s| s.parse().expect("one of the listed values"))
}

/// `--dataset`: MNIST or another data set in its format, by name.
pub fn dataset_arg() -> impl clap::builder::TypedValueParser<Value = Dataset> {
    clap::builder::PossibleValuesParser::new(Dataset::ALL.map(Dataset::name))
        .map(|s| s.parse().expect("one of the listed values"))
}

/// The data set from `--data` (else its default folder), only the first `limit` training
/// and `test_limit` test images kept in memory.
pub fn dataset(
    dataset: Dataset,
    data: Option<&Path>,
    limit: Option<usize>,
    test_limit: Option<usize>,
) -> Result<Mnist> {
    load_dataset_first(dataset, dataset.dir(data), limit, test_limit)
}

/// `--limit N` / `--test-limit N`: a count of at least 1.
pub fn positive_count(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("expected a whole number of at least 1, got {s:?}")),
    }
}

/// The split's images in the shape the model takes: as they are, or MNIST's [28, 28, 1]
/// flattened for a model that takes [784].
pub fn images_for(model: &Sequential, split: &Split) -> Result<Array> {
    let have = &split.images.shape[1..];
    match model.input_shape() {
        s if s == have => Ok(split.images.clone()),
        [784] if have == [28, 28, 1] => Ok(split.flat_images()),
        other => Err(Error::Model(format!(
            "the model takes inputs of shape {other:?}; the images are {have:?}"
        ))),
    }
}

/// [`images_for`] taking the split's images over, without a copy where they already
/// have the model's shape.
pub fn images_into(model: &Sequential, split: Split) -> Result<Array> {
    match model.input_shape() == &split.images.shape[1..] {
        true => Ok(split.images),
        false => images_for(model, &split),
    }
}

/// How pictures name a model: `mlp`, `cnn`, a model file's name, or a checkpoint's or
/// weights file's folder and name (`cnn/checkpoint.safetensors`).
pub fn model_label(source: &str) -> String {
    let p = Path::new(source);
    let file = p
        .file_name()
        .map_or(source.to_string(), |f| f.to_string_lossy().into_owned());
    match p.parent().and_then(|d| d.file_name()) {
        Some(dir) if file.ends_with(".safetensors") => format!("{}/{file}", dir.to_string_lossy()),
        _ => file,
    }
}

/// `--model mlp|cnn|PATH.json` built (not compiled) on `dev`; the seed models take
/// images of shape `images` (MNIST's [28, 28, 1], CIFAR-10's [32, 32, 3]).
pub fn build_model(model: &str, dev: Device, seed: u64, images: [usize; 3]) -> Result<Sequential> {
    build_model_for(model, dev, seed, images, false)
}

/// [`build_model`]; `inference`: the model's weights will be loaded, not trained, so a
/// Keras model's training-only arguments wgtrain cannot read (an Orthogonal initializer
/// or regularizer, constraints) are let through, with a note on stderr.
fn build_model_for(
    model: &str,
    dev: Device,
    seed: u64,
    images: [usize; 3],
    inference: bool,
) -> Result<Sequential> {
    match model {
        "mlp" => image_mlp(dev, seed, images),
        "cnn" => image_cnn(dev, seed, images),
        path => {
            let spec = match inference {
                true => with_notes(ModelSpec::load_for_inference(Path::new(path))?),
                false => ModelSpec::load(Path::new(path))?,
            };
            // Errors building it (shapes that do not fit) name the file as well.
            Sequential::from_spec(&spec, dev, seed).map_err(|e| e.in_context(path))
        }
    }
}

/// The description, its notes printed on stderr.
fn with_notes((spec, notes): (ModelSpec, Vec<String>)) -> ModelSpec {
    for n in notes {
        eprintln!("note: {n}");
    }
    spec
}

/// The image shape of the data set whose class names a weights file keeps (MNIST's
/// [28, 28, 1] when it keeps none or others): what `--model mlp|cnn` is built for.
fn images_of_weights(weights: &Path) -> [usize; 3] {
    let names = wgtrain::nn::weights_file_metadata(weights)
        .ok()
        .and_then(|m| m.get("class_names").cloned())
        .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok());
    names
        .as_deref()
        .and_then(Dataset::from_class_names)
        .map_or(Dataset::Mnist.image_shape(), Dataset::image_shape)
}

/// The model to go with `--weights FILE`: `--model` if given, else the description the
/// file keeps (wgtrain's weights files and converted Keras models have one).
///
/// `inference`: the weights are run, not trained (eval, predict), so a Keras model's
/// training-only arguments are let through with a note.
pub fn model_for_weights(
    model: Option<&str>,
    weights: &Path,
    dev: Device,
    seed: u64,
    inference: bool,
) -> Result<Sequential> {
    if let Some(m) = model {
        return build_model_for(m, dev, seed, images_of_weights(weights), inference);
    }
    let described = match inference {
        true => ModelSpec::from_weights_file_for_inference(weights)?.map(with_notes),
        false => ModelSpec::from_weights_file(weights)?,
    };
    match described {
        Some(spec) => Sequential::from_spec(&spec, dev, seed)
            .map_err(|e| e.in_context(format_args!("the model in {}", weights.display()))),
        None => Err(Error::FileFormat {
            path: weights.display().to_string(),
            detail: "holds no model description; say which model the weights are for with \
                     --model mlp|cnn|PATH.json"
                .into(),
        }),
    }
}

/// For eval and predict: a checkpoint, or `--weights` (with `--model` or the file's own
/// description) compiled for inference (see `table_model::inference_loss`: mse for a
/// regression, else a cross-entropy) with the weights loaded.
pub fn load_model(
    checkpoint: Option<&Path>,
    model: Option<&str>,
    weights: Option<&Path>,
    device: DeviceKind,
) -> Result<Sequential> {
    let dev = Device::new(device)?;
    let (Some(weights), None) = (weights, checkpoint) else {
        let checkpoint = checkpoint.expect("clap requires a checkpoint without --weights");
        return Sequential::load_for_inference(checkpoint, dev);
    };
    let mut m = model_for_weights(model, weights, dev, 0, true)?;
    let meta = wgtrain::nn::weights_file_metadata(weights)?;
    let (loss, metrics) =
        crate::table_model::inference_loss(&m, meta.get("input_notes").map(String::as_str));
    m.compile(wgtrain::nn::Optimizer::adam(), loss, &metrics)?;
    m.load_weights(weights)?;
    Ok(m)
}

/// A folder of class sub-folders (`--data-dir`) read for `model`: at its input shape,
/// shuffled by `shuffle_seed` if given, the first `limit` images kept; unreadable images
/// reported on stderr (or fatal with `strict`); the folder's classes checked against the
/// model's names (if it has them) and outputs. `copies`: how many more copies of the
/// images the command makes (counted in the memory check made before reading them).
/// Returns the images and the class names.
pub fn folder_for(
    model: &Sequential,
    dir: &Path,
    strict: bool,
    shuffle_seed: Option<u64>,
    limit: Option<usize>,
    copies: f64,
) -> Result<(Split, Vec<String>)> {
    let shape = match model.input_shape() {
        &[h, w, c] => (h, w, c),
        other => {
            return Err(Error::Model(format!(
                "the model takes inputs of shape {other:?}; images from --data-dir need a \
                 model that takes [height, width, channels] (1 channel: grayscale, 3: RGB)"
            )))
        }
    };
    let folder = load_image_folder_for_run(dir, shape, strict, shuffle_seed, copies)?;
    for (path, why) in &folder.skipped {
        eprintln!("skipped {}: {why}", path.display());
    }
    let names = folder.class_names;
    if let Some(had) = model.class_names().filter(|had| *had != names.as_slice()) {
        return Err(Error::Model(format!(
            "the model was trained on the classes {had:?}, but {} has {names:?}",
            dir.display()
        )));
    }
    check_classifier(model, names.len()).map_err(|e| {
        Error::Model(format!(
            "{} has {} classes ({}): {e}",
            dir.display(),
            names.len(),
            names.join(", ")
        ))
    })?;
    let split = Split {
        images: folder.images,
        labels: folder.labels,
    };
    let split = match limit {
        Some(n) => split.take(n),
        None => split,
    };
    Ok((split, names))
}

/// The model must output one value per class (10 for MNIST).
pub fn check_classifier(model: &Sequential, classes: usize) -> Result<()> {
    match model.output_shape() {
        [n] if *n == classes => Ok(()),
        other => Err(Error::Model(format!(
            "the model outputs {other:?}; {classes} classes need {classes} outputs (end with \
             Dense {classes} softmax)"
        ))),
    }
}

/// How many classes the model tells apart (its outputs).
pub fn classes_of(model: &Sequential) -> usize {
    model.output_shape().iter().product()
}

/// The labels of `split` as the model's loss wants them: one-hot rows, or class indices
/// (shape [n]) for sparse_categorical_crossentropy.
pub fn labels_for(model: &Sequential, split: &Split) -> Result<Array> {
    let sparse = model
        .compiled_with()
        .is_some_and(|(_, loss, _)| loss.is_sparse());
    match sparse {
        true => Array::new(
            &[split.labels.len()],
            split.labels.iter().map(|&l| l as f32).collect(),
        ),
        false => to_categorical(&split.labels, classes_of(model)),
    }
}

/// `--loss`, in Keras's names.
pub fn classifier_loss() -> impl clap::builder::TypedValueParser<Value = Loss> {
    clap::builder::PossibleValuesParser::new([
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_crossentropy",
        "mse",
    ])
    .map(|s| s.parse().expect("one of the listed values"))
}

/// The model's outputs as probabilities: `predict` gives logits for a model compiled
/// from_logits, so its softmax (sigmoid for binary_crossentropy) is applied here.
pub fn predict_probabilities(model: &Sequential, x: &Array) -> Result<Array> {
    let mut out = model.predict(x)?;
    let from_logits = model.loss_config().filter(|c| c.from_logits);
    let (rows, cols) = (out.rows(), out.row_len());
    // The CPU twins of the activations the loss applied inside.
    out.data = match from_logits.and_then(|c| c.loss.output_activation()) {
        Some(Activation::Sigmoid) => wgtrain::cpu::sigmoid_forward(&out.data),
        Some(Activation::Softmax) => wgtrain::cpu::softmax_forward(&out.data, rows, cols),
        _ => return Ok(out),
    };
    Ok(out)
}

/// counts[true][predicted] for `classes` classes.
pub fn confusion(labels: &[u8], predicted: &[usize], classes: usize) -> Vec<Vec<usize>> {
    let mut m = vec![vec![0usize; classes]; classes];
    for (&t, &p) in labels.iter().zip(predicted) {
        if let Some(cell) = m.get_mut(t as usize).and_then(|r| r.get_mut(p)) {
            *cell += 1;
        }
    }
    m
}

/// The matrix as a text table (rows: true class; columns: predicted).
pub fn confusion_text(m: &[Vec<usize>]) -> String {
    let mut s = String::from("true\\pred");
    for p in 0..m.len() {
        s += &format!("{p:>6}");
    }
    s += "  accuracy\n";
    for (t, row) in m.iter().enumerate() {
        s += &format!("{t:>9}");
        for v in row {
            s += &format!("{v:>6}");
        }
        // A class without samples has no accuracy (not 0 %).
        s += &match row.iter().sum::<usize>() {
            0 => format!("  {:>7}\n", "n/a"),
            n => format!("  {:>7.2} %\n", 100.0 * row[t] as f64 / n as f64),
        };
    }
    s
}

/// `--lr`: a positive, finite number.
pub fn positive_f32(s: &str) -> std::result::Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("expected a positive number, got {s:?}")),
    }
}

/// `--weight-decay`: a finite number ≥ 0.
pub fn non_negative_f32(s: &str) -> std::result::Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("expected a number ≥ 0, got {s:?}")),
    }
}

/// `--momentum`: in [0, 1].
pub fn momentum_value(s: &str) -> std::result::Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "expected a number in [0, 1] (as Keras's SGD), got {s:?}"
        )),
    }
}

/// `--validation-split`: in [0, 1).
pub fn split_fraction(s: &str) -> std::result::Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a fraction in [0, 1), got {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::model_label;

    #[test]
    fn pictures_name_the_model_by_its_source() {
        assert_eq!(model_label("cnn"), "cnn");
        assert_eq!(
            model_label("models/mnist_cnn_batchnorm.json"),
            "mnist_cnn_batchnorm.json"
        );
        assert_eq!(
            model_label("runs/version_3/checkpoint.safetensors"),
            "version_3/checkpoint.safetensors"
        );
        assert_eq!(model_label("w.safetensors"), "w.safetensors");
    }
}
