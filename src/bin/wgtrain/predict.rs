//! `wgtrain predict`: classify digit images (PNG, JPEG) with a checkpoint. Each image is
//! prepared as the MNIST digits were (see `wgtrain::data::digit_image`).

use std::path::PathBuf;

use wgtrain::data::load_digit;
use wgtrain::nn::{Array, DeviceKind};
use wgtrain::{Error, Result};

use crate::common::{check_classifier, device_kind, load_model, predict_probabilities};

#[derive(clap::Args)]
pub struct PredictArgs {
    /// A checkpoint written by `wgtrain train`, then image files (PNG or JPEG), one digit
    /// each, dark on light or light on dark; with --weights, only the images
    #[arg(required = true, value_name = "CHECKPOINT] [IMAGES")]
    paths: Vec<PathBuf>,
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
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=10))]
    top: u64,
    /// One JSON object per image
    #[arg(long)]
    json: bool,
}

pub fn run(a: &PredictArgs) -> Result<()> {
    let (checkpoint, images) = match &a.weights {
        Some(_) => (None, &a.paths[..]),
        None => match &a.paths[..] {
            [checkpoint, images @ ..] if !images.is_empty() => (Some(checkpoint), images),
            _ => {
                return Err(Error::Model(format!(
                    "predict {}: no images; usage: wgtrain predict CHECKPOINT IMAGES…, or \
                     wgtrain predict --weights FILE IMAGES…",
                    a.paths[0].display()
                )))
            }
        },
    };
    let mut model = load_model(
        checkpoint.map(PathBuf::as_path),
        a.model.as_deref(),
        a.weights.as_deref(),
        a.device,
    )?;
    check_classifier(&model)?;
    let mut pixels = Vec::with_capacity(images.len() * 784);
    for p in images {
        pixels.extend(load_digit(p)?);
    }
    let mut shape = vec![images.len()];
    shape.extend_from_slice(model.input_shape());
    let probs = predict_probabilities(&mut model, &Array::new(&shape, pixels)?)?;
    for (i, path) in images.iter().enumerate() {
        let row = &probs.data[i * 10..(i + 1) * 10];
        let mut order: Vec<usize> = (0..10).collect();
        order.sort_by(|&x, &y| row[y].total_cmp(&row[x]));
        let top = &order[..a.top as usize];
        if a.json {
            println!(
                "{}",
                serde_json::json!({
                    "image": path.display().to_string(),
                    "top": top.iter().map(|&c| serde_json::json!({"class": c, "probability": row[c]})).collect::<Vec<_>>(),
                })
            );
        } else {
            let list: Vec<String> = top
                .iter()
                .map(|&c| format!("{c} ({:.3})", row[c]))
                .collect();
            println!("{}: {}", path.display(), list.join(", "));
        }
    }
    Ok(())
}
