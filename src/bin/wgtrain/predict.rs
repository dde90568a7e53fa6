//! `wgtrain predict`: classify images (PNG, JPEG) with a checkpoint. Each image is
//! prepared as the model's training images were: as the MNIST digits were (see
//! `wgtrain::data::digit_image`), or resized to the model's input (CIFAR-10, an image
//! folder); with `--raw`, fed as it is.

use std::path::{Path, PathBuf};

use wgtrain::data::{load_digit, load_image, load_image_raw, load_item, Dataset, Tabular};
use wgtrain::nn::{Array, DeviceKind, Sequential};
use wgtrain::{Error, Result};

use crate::common::{classes_of, device_kind, load_model, predict_probabilities};

#[derive(clap::Args)]
pub struct PredictArgs {
    /// A checkpoint written by `wgtrain train`, then image files (PNG or JPEG): one digit
    /// each, dark on light or light on dark, for MNIST models; any picture, resized to the
    /// model's input, for CIFAR-10 or image-folder models; with --weights, only the images
    #[arg(required_unless_present_any = ["csv", "weights"], value_name = "PATHS")]
    paths: Vec<PathBuf>,
    /// Rows of a table to predict for a model trained with --csv (the feature columns by
    /// name; other columns are ignored), instead of images
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Weights alone (`wgtrain export`'s, or a Keras model converted by
    /// scripts/keras_weights.py) instead of a checkpoint
    #[arg(long)]
    weights: Option<PathBuf>,
    /// With --weights: mlp, cnn or PATH.json (default: the model the weights file describes)
    #[arg(long, requires = "weights")]
    model: Option<String>,
    #[arg(long, default_value = "gpu", value_parser = device_kind())]
    device: DeviceKind,
    /// Classes to show per image
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=256))]
    top: u64,
    /// One JSON object per image
    #[arg(long)]
    json: bool,
    /// Feed each image as it is, for a model trained on inputs other than MNIST-style
    /// digits: only made grayscale or RGB (the model's channels) and scaled to [0, 1], not
    /// recentred, inverted or resized; its size must be the model's input size
    #[arg(long, conflicts_with = "csv")]
    raw: bool,
}

pub fn run(a: &PredictArgs) -> Result<()> {
    let (checkpoint, images) = match &a.weights {
        Some(_) => (None, &a.paths[..]),
        None => match &a.paths[..] {
            [checkpoint, images @ ..] if !images.is_empty() || a.csv.is_some() => {
                (Some(checkpoint), images)
            }
            _ => {
                return Err(Error::Model(format!(
                    "predict {}: no images; usage: wgtrain predict CHECKPOINT IMAGES…, \
                     wgtrain predict CHECKPOINT --csv ROWS.csv, or wgtrain predict --weights \
                     FILE IMAGES…",
                    a.paths
                        .first()
                        .map_or(String::new(), |p| p.display().to_string())
                )))
            }
        },
    };
    let model = load_model(
        checkpoint.map(PathBuf::as_path),
        a.model.as_deref(),
        a.weights.as_deref(),
        a.device,
    )?;
    if let Some(csv) = &a.csv {
        if !images.is_empty() {
            return Err(Error::Model(
                "predict: give images or --csv, not both".into(),
            ));
        }
        return predict_rows(a, &model, csv);
    }
    // A model trained on an image folder (it has class names) takes images resized as
    // the folder's were; otherwise they are prepared as MNIST's digits were.
    let names: Vec<String> = match model.class_names() {
        Some(n) => n.to_vec(),
        None => (0..classes_of(&model)).map(|c| c.to_string()).collect(),
    };
    let per_image: usize = model.input_shape().iter().product();
    let mut pixels = Vec::with_capacity(images.len() * per_image);
    let named_set = model.class_names().and_then(Dataset::from_class_names);
    for p in images {
        if a.raw {
            pixels.extend(load_image_raw(p, model.input_shape())?);
            continue;
        }
        match (model.class_names(), model.input_shape()) {
            // Fashion-MNIST / KMNIST: prepared as those sets were.
            (Some(_), [28, 28, 1] | [784]) if named_set.is_some() => pixels.extend(load_item(p)?),
            (Some(_), &[h, w, c]) => pixels.extend(load_image(p, (h, w, c))?),
            (None, [28, 28, 1] | [784]) => pixels.extend(load_digit(p)?),
            (_, other) => {
                return Err(Error::Model(format!(
                    "the model takes inputs of shape {other:?} and has no class names; \
                     predict prepares images for MNIST models ([28, 28, 1] or [784]) and for \
                     models trained on an image folder (--data-dir); --raw feeds images of the \
                     model's size as they are"
                )))
            }
        }
    }
    let mut shape = vec![images.len()];
    shape.extend_from_slice(model.input_shape());
    let probs = predict_probabilities(&model, &Array::new(&shape, pixels)?)?;
    for (i, path) in images.iter().enumerate() {
        let k = names.len();
        let row = &probs.data[i * k..(i + 1) * k];
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&x, &y| row[y].total_cmp(&row[x]));
        let top = &order[..(a.top as usize).min(k)];
        if a.json {
            println!(
                "{}",
                crate::json_out::shortest_f32s(serde_json::json!({
                    "image": path.display().to_string(),
                    "top": top.iter().map(|&c| serde_json::json!({"class": c, "name": names[c], "probability": row[c]})).collect::<Vec<_>>(),
                }))
            );
        } else {
            let list: Vec<String> = top
                .iter()
                .map(|&c| format!("{} ({:.3})", names[c], row[c]))
                .collect();
            println!("{}: {}", path.display(), list.join(", "));
        }
    }
    Ok(())
}

/// One line (or JSON object) per CSV row: the predicted number, or the top classes.
fn predict_rows(a: &PredictArgs, model: &Sequential, csv: &Path) -> Result<()> {
    let tabular: Tabular = crate::table_model::table_notes(model)?.ok_or_else(|| {
        Error::Model(
            "this model was not trained on a table (--csv); predict takes images for it".into(),
        )
    })?;
    let x = tabular.read_rows_for_predict(csv)?;
    let out = predict_probabilities(model, &x)?;
    let k = out.row_len();
    for (r, row) in out.data.chunks(k).enumerate() {
        match &tabular.classes {
            None => match a.json {
                true => println!(
                    "{}",
                    crate::json_out::shortest_f32s(
                        serde_json::json!({"row": r + 1, tabular.target.clone(): row[0]})
                    )
                ),
                false => println!("row {}: {} = {}", r + 1, tabular.target, row[0]),
            },
            Some(names) => {
                let mut order: Vec<usize> = (0..k).collect();
                order.sort_by(|&x, &y| row[y].total_cmp(&row[x]));
                let top = &order[..(a.top as usize).min(k)];
                match a.json {
                    true => println!(
                        "{}",
                        crate::json_out::shortest_f32s(serde_json::json!({
                            "row": r + 1,
                            "top": top.iter().map(|&c| serde_json::json!({"class": c, "name": names[c], "probability": row[c]})).collect::<Vec<_>>(),
                        }))
                    ),
                    false => {
                        let list: Vec<String> = top
                            .iter()
                            .map(|&c| format!("{} ({:.3})", names[c], row[c]))
                            .collect();
                        println!("row {}: {} = {}", r + 1, tabular.target, list.join(", "));
                    }
                }
            }
        }
    }
    Ok(())
}
