//! `wgtrain export`: a checkpoint's model and weights for inference elsewhere — the model
//! as Keras 3 JSON (model.json) and the weights alone (model.safetensors, no optimizer
//! state or training position), which scripts/keras_weights.py loads into Keras.

use std::path::PathBuf;

use wgtrain::atomic_file::write_all_atomically;
use wgtrain::nn::{Device, DeviceKind, Sequential, MAX_DESCRIPTION_BYTES};
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
    // Everything is prepared and checked (both files must load back) before anything is
    // written; then both are written whole or neither replaces what was there.
    let weights_bytes = model.weights_file_bytes()?;
    let keras = model.spec().to_keras_json();
    if keras.len() as u64 > MAX_DESCRIPTION_BYTES {
        return Err(Error::Model(format!(
            "export: model.json would be {} bytes, more than the {MAX_DESCRIPTION_BYTES} a              model description may have, so it could not be read back; nothing was written",
            keras.len()
        )));
    }
    let created = !a.out.exists();
    std::fs::create_dir_all(&a.out).map_err(|e| Error::Io {
        path: Some(a.out.clone()),
        source: e,
    })?;
    let written = write_all_atomically(&[
        (weights.as_path(), weights_bytes.as_slice()),
        (json.as_path(), keras.as_bytes()),
    ]);
    if let Err(e) = written {
        if created {
            let _ = std::fs::remove_dir(&a.out);
        }
        return Err(e);
    }
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
