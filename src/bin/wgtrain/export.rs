//! `wgtrain export`: a checkpoint's model and weights for inference elsewhere — the model
//! as Keras 3 JSON (model.json) and the weights alone (model.safetensors, no optimizer
//! state or training position), which scripts/keras_weights.py loads into Keras.

use std::path::PathBuf;

use wgtrain::atomic_file::write_atomically;
use wgtrain::nn::{Device, DeviceKind, Sequential};
use wgtrain::{Error, Result};

#[derive(clap::Args)]
pub struct ExportArgs {
    /// A checkpoint written by `wgtrain train`
    checkpoint: PathBuf,
    /// Folder for model.json and model.safetensors (created if missing)
    #[arg(long)]
    out: PathBuf,
    /// Replace model.json and model.safetensors if the folder has them
    #[arg(long)]
    overwrite: bool,
}

pub fn run(a: &ExportArgs) -> Result<()> {
    let model = Sequential::load_for_inference(&a.checkpoint, Device::new(DeviceKind::Cpu)?)?;
    let json = a.out.join("model.json");
    let weights = a.out.join("model.safetensors");
    for f in [&json, &weights] {
        if f.exists() && !a.overwrite {
            return Err(Error::BadSetting {
                name: "--out",
                value: a.out.display().to_string(),
                reason: format!(
                    "{} exists; choose another folder or pass --overwrite",
                    f.display()
                ),
            });
        }
    }
    std::fs::create_dir_all(&a.out).map_err(|e| Error::Io {
        path: a.out.clone(),
        source: e,
    })?;
    model.save_weights(&weights)?;
    write_atomically(&json, model.spec().to_keras_json().as_bytes())?;
    println!(
        "wrote {} (Keras 3 model JSON) and {} ({} weights) \n\
         in Keras: python3 scripts/keras_weights.py to-keras {} MODEL.keras\n\
         in wgtrain: wgtrain predict --weights {} IMAGE…",
        json.display(),
        weights.display(),
        model.count_params(),
        a.out.display(),
        weights.display()
    );
    Ok(())
}
