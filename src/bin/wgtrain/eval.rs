//! `wgtrain eval`: a checkpoint's loss and accuracy on MNIST, accuracy per class, the
//! confusion matrix (text, and PNG in --out) and the digits it gets most wrong (PNG).

use std::path::{Path, PathBuf};

use wgtrain::data::load_dataset_split;
use wgtrain::data::{Dataset, Split};
use wgtrain::nn::{Array, DeviceKind};
use wgtrain::plot::{confusion_matrix, digit_grid, WrongDigit};
use wgtrain::{Error, Result};

use crate::common::{
    check_classifier, confusion, confusion_text, dataset_arg, device_kind, folder_for, images_for,
    labels_for, load_model, model_label, positive_count, predict_probabilities,
};

#[derive(clap::Args)]
pub struct EvalArgs {
    /// A checkpoint written by `wgtrain train` (checkpoint.safetensors)
    #[arg(required_unless_present = "weights", conflicts_with = "weights")]
    checkpoint: Option<PathBuf>,
    /// Weights alone (`wgtrain export`'s, or a Keras model converted by
    /// scripts/keras_weights.py) instead of a checkpoint
    #[arg(long)]
    weights: Option<PathBuf>,
    /// With --weights: mlp, cnn or PATH.json (default: the model the weights file describes)
    #[arg(long, requires = "weights")]
    model: Option<String>,
    /// The data set: mnist, fashion_mnist, kmnist, emnist_digits or cifar10 (default: the
    /// one the checkpoint was trained on)
    #[arg(long, value_parser = dataset_arg(), conflicts_with = "data_dir")]
    dataset: Option<Dataset>,
    /// The data set's folder (default: mnist $MNIST_DIR else data/mnist; others data/NAME)
    #[arg(long)]
    data: Option<PathBuf>,
    /// A folder of images, one sub-folder per class (as `train --data-dir`), instead of
    /// MNIST: every image is evaluated
    #[arg(long, conflicts_with_all = ["data", "split"])]
    data_dir: Option<PathBuf>,
    /// With --data-dir: stop at the first image that cannot be read
    #[arg(long, requires = "data_dir")]
    strict: bool,
    /// Which MNIST split to evaluate on
    #[arg(long, value_enum, default_value = "test")]
    split: SplitArg,
    /// Only the first N images of the split
    #[arg(long, value_parser = positive_count)]
    limit: Option<usize>,
    #[arg(long, default_value = "gpu", value_parser = device_kind())]
    device: DeviceKind,
    /// Folder for confusion.png and most_wrong.png
    #[arg(long)]
    out: Option<PathBuf>,
    /// One JSON object instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SplitArg {
    Train,
    Test,
}

pub fn run(a: &EvalArgs) -> Result<()> {
    let model = load_model(
        a.checkpoint.as_deref(),
        a.model.as_deref(),
        a.weights.as_deref(),
        a.device,
    )?;
    crate::table_model::refuse_table_model(&model, "eval")?;
    let (split, source) = match &a.data_dir {
        Some(dir) => (
            // The model's copy of the images is one more.
            folder_for(&model, dir, a.strict, None, a.limit, 1.0)?.0,
            dir.display().to_string(),
        ),
        None => {
            check_classifier(&model, 10)?;
            let known = model.class_names().and_then(Dataset::from_class_names);
            let ds = a.dataset.or(known).unwrap_or(Dataset::Mnist);
            if known.is_some_and(|k| k != ds) {
                return Err(Error::Model(format!(
                    "the model was trained on {} (its class names say so), not {}; leave out \
                     --dataset or pass --dataset {}",
                    known.map_or("?", Dataset::title),
                    ds.title(),
                    known.map_or("?", Dataset::name)
                )));
            }
            let dir = ds.dir(a.data.as_deref());
            let train = matches!(a.split, SplitArg::Train);
            let (split, _) = load_dataset_split(ds, &dir, train, a.limit)?;
            let source = format!("the {} files in {}", ds.title(), dir.display());
            (split, source)
        }
    };
    let x = images_for(&model, &split)?;
    let y = labels_for(&model, &split)?;
    let e = model.evaluate(&x, &y)?;
    let probs = predict_probabilities(&model, &x)?;
    let report = Report::new(&split, &probs, model.class_names());
    if let Some(out) = &a.out {
        let model_name = match (&a.checkpoint, &a.weights) {
            (Some(p), _) | (None, Some(p)) => model_label(&p.display().to_string()),
            (None, None) => String::new(),
        };
        let which = match (a.split, &a.data_dir) {
            (_, Some(_)) => "images",
            (SplitArg::Train, None) => "training images",
            (SplitArg::Test, None) => "test images",
        };
        let about = format!(
            "{model_name} on the {which} of {source} ({}, index = position in sorted order)",
            split.len()
        );
        report.write_pictures(out, &split, &about)?;
    }
    let (m, per_class) = (&report.confusion, &report.per_class);

    if a.json {
        println!(
            "{}",
            crate::json_out::shortest_f32s(serde_json::json!({
                "loss": e.loss,
                "accuracy": e.accuracy,
                "top_k_categorical_accuracy": e.top_k_categorical_accuracy,
                "samples": split.len(),
                "per_class_accuracy": per_class,
                "confusion": m,
                "adapter": model.device().name(),
            }))
        );
    } else {
        println!(
            "{} {} images: loss {:.4} - accuracy {:.4}",
            match a.data_dir {
                Some(_) => "folder".to_string(),
                None => format!("{:?}", a.split).to_lowercase(),
            },
            split.len(),
            e.loss,
            e.accuracy.unwrap_or(f32::NAN)
        );
        print!("{}", confusion_text(m));
        if let Some(out) = &a.out {
            println!(
                "wrote {} and {}",
                out.join("confusion.png").display(),
                out.join("most_wrong.png").display()
            );
        }
    }
    Ok(())
}

/// What `eval` (and `train`, at its end) reports beyond loss and accuracy.
pub struct Report {
    pub confusion: Vec<Vec<usize>>,
    /// Per class: the share of its samples classified right (`None`: it has no samples).
    pub per_class: Vec<Option<f64>>,
    predicted: Vec<usize>,
    /// Misclassified samples, most confident first: (index, probability of the wrong class).
    wrong: Vec<(usize, f32)>,
    /// What each class is called (its index when not named).
    names: Vec<String>,
}

impl Report {
    /// `probs` [n, classes] for `split`; `names` the classes' names, if they have any.
    pub fn new(split: &Split, probs: &Array, names: Option<&[String]>) -> Report {
        let classes = probs.row_len();
        let predicted = probs.argmax_rows();
        let confusion = confusion(&split.labels, &predicted, classes);
        let per_class = confusion
            .iter()
            .enumerate()
            .map(|(t, row)| match row.iter().sum::<usize>() {
                0 => None,
                n => Some(row[t] as f64 / n as f64),
            })
            .collect();
        let mut wrong: Vec<(usize, f32)> = (0..split.len())
            .filter(|&i| predicted[i] != split.labels[i] as usize)
            .map(|i| (i, probs.data[i * classes + predicted[i]]))
            .collect();
        wrong.sort_by(|a, b| b.1.total_cmp(&a.1));
        wrong.truncate(24);
        let names = match names {
            Some(n) => n.to_vec(),
            None => (0..classes).map(|c| c.to_string()).collect(),
        };
        Report {
            confusion,
            per_class,
            predicted,
            wrong,
            names,
        }
    }

    /// confusion.png and (for images) most_wrong.png in `out`, subtitled with `about` (the
    /// model and the data).
    pub fn write_pictures(&self, out: &Path, split: &Split, about: &str) -> Result<()> {
        std::fs::create_dir_all(out).map_err(|e| Error::Io {
            path: Some(out.to_path_buf()),
            source: e,
        })?;
        confusion_matrix(
            out.join("confusion.png"),
            &self.confusion,
            "confusion matrix",
            about,
        )?;
        let shape = &split.images.shape[1..];
        if shape.len() != 3 {
            // Not images (a table's rows): there is nothing to draw.
            return Ok(());
        }
        let per_image: usize = shape.iter().product();
        let digits: Vec<WrongDigit> = self
            .wrong
            .iter()
            .map(|&(i, p)| WrongDigit {
                pixels: &split.images.data[i * per_image..(i + 1) * per_image],
                shape: (shape[0], shape[1], shape[2]),
                index: i,
                truth: &self.names[split.labels[i] as usize],
                predicted: &self.names[self.predicted[i]],
                confidence: p,
            })
            .collect();
        digit_grid(
            out.join("most_wrong.png"),
            &digits,
            8,
            "most confidently wrong",
            about,
        )
    }
}
