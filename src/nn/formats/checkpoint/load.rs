//! Loading a checkpoint, trusting nothing in it: the model its description builds must
//! find every weight in the file with the right dtype and shape before anything is
//! allocated, every F32 tensor must be finite, and (to resume) the training state must
//! pass `metadata`'s checks. For inference only the model and its weights are read.

use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;

use super::metadata::{check_training_state, CompileConfig, TrainingState};
use super::CHECKPOINT_FORMAT;
use crate::error::{Error, Result};
use crate::nn::device::Device;
use crate::nn::model::sequential::{NamedArray, Sequential};
use crate::nn::model::spec::ModelSpec;
use crate::nn::training::optimizer::OptimizerState;
use crate::nn::Array;

/// What [`Sequential::load`] restores.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LoadMode {
    /// Everything, to train on exactly where the checkpoint stopped.
    Resume,
    /// The model, its compile settings and weights; no optimizer state, no training state.
    Inference,
}

impl Sequential {
    /// Load a checkpoint written by [`save`](Self::save) onto `device` (either device,
    /// whichever saved it): the model is rebuilt from its description, compiled as it
    /// was, and its weights, optimizer state and training position restored.
    pub fn load(path: impl AsRef<Path>, device: Device) -> Result<Sequential> {
        let path = path.as_ref();
        Sequential::load_as(path, device, LoadMode::Resume)
    }

    /// Load only what `evaluate` and `predict` need: the model, its compile settings and
    /// its weights. Optimizer state and training position are not read (the model can
    /// still be trained, from a fresh optimizer).
    pub fn load_for_inference(path: impl AsRef<Path>, device: Device) -> Result<Sequential> {
        let path = path.as_ref();
        Sequential::load_as(path, device, LoadMode::Inference)
    }

    fn load_as(path: &Path, device: Device, mode: LoadMode) -> Result<Sequential> {
        let bytes = super::read_whole(path, "this is not a checkpoint wgtrain wrote")?;
        Sequential::from_checkpoint_bytes(&bytes, &path.display().to_string(), device, mode)
    }

    /// [`load`](Self::load) from the bytes of a checkpoint held in memory; `source` names
    /// it in errors. With `inference_only`, as
    /// [`load_for_inference`](Self::load_for_inference).
    pub fn load_from_bytes(
        bytes: &[u8],
        source: &str,
        device: Device,
        inference_only: bool,
    ) -> Result<Sequential> {
        let mode = match inference_only {
            true => LoadMode::Inference,
            false => LoadMode::Resume,
        };
        Sequential::from_checkpoint_bytes(bytes, source, device, mode)
    }

    fn from_checkpoint_bytes(
        bytes: &[u8],
        source: &str,
        device: Device,
        mode: LoadMode,
    ) -> Result<Sequential> {
        let bad = |detail: String| Error::FileFormat {
            path: source.to_string(),
            detail,
        };
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        match meta.get("format").map(String::as_str) {
            Some(CHECKPOINT_FORMAT) => {}
            Some(super::WEIGHTS_FORMAT) => {
                return Err(bad(
                    "a weights file (no optimizer state or training position): give the model \
                     with it (ModelSpec::load, Sequential::from_spec, then load_weights)"
                        .into(),
                ))
            }
            Some(other) => {
                return Err(bad(format!(
                    "checkpoint format {other:?}; this wgtrain reads {CHECKPOINT_FORMAT:?}"
                )))
            }
            None => {
                return Err(bad(
                    "a safetensors file without wgtrain's metadata (no `format`); if it holds \
                     weights, give the model with it (ModelSpec::load, Sequential::from_spec, \
                     then load_weights)"
                        .into(),
                ))
            }
        }
        let field = |name: &str| {
            meta.get(name)
                .ok_or_else(|| bad(format!("metadata `{name}` is missing")))
        };
        let spec = ModelSpec::from_json(field("model")?, &format!("in {source}"))?;
        let compile: CompileConfig = crate::strict_json::from_str_f32(field("compile")?)
            .map_err(|e| bad(format!("metadata `compile`: {e}")))?;
        let training: Option<TrainingState> = match mode {
            LoadMode::Resume => Some(
                crate::strict_json::from_str_f32(field("training")?)
                    .map_err(|e| bad(format!("metadata `training`: {e}")))?,
            ),
            LoadMode::Inference => None,
        };
        let tensors = SafeTensors::deserialize(bytes)
            .map_err(|e| bad(format!("not a safetensors file ({e})")))?;

        let f32_shape = |name: &str, shape: &[usize]| -> Result<TensorView<'_>> {
            let t = tensors
                .tensor(name)
                .map_err(|_| bad(format!("tensor `{name}` is missing")))?;
            if t.dtype() != Dtype::F32 || t.shape() != shape {
                return Err(bad(format!(
                    "tensor `{name}` is {:?} {:?}; the model needs F32 {shape:?}",
                    t.dtype(),
                    t.shape()
                )));
            }
            Ok(t)
        };
        let f32s = |name: &str, shape: &[usize]| -> Result<Vec<f32>> {
            let t = f32_shape(name, shape)?;
            super::finite_f32s(
                &t,
                name,
                "the checkpoint is damaged or its training diverged, and it cannot be used",
            )
            .map_err(bad)
        };
        let u32s = |name: &str, len: Option<usize>| -> Result<Vec<u32>> {
            let t = tensors
                .tensor(name)
                .map_err(|_| bad(format!("tensor `{name}` is missing")))?;
            if t.dtype() != Dtype::U32
                || t.shape().len() != 1
                || len.is_some_and(|n| t.shape()[0] != n)
            {
                return Err(bad(format!(
                    "tensor `{name}` is {:?} {:?}; expected U32 [{}]",
                    t.dtype(),
                    t.shape(),
                    len.map_or("n".into(), |n| n.to_string())
                )));
            }
            Ok(t.data()
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect())
        };

        let seed = training.as_ref().map_or(0, |t| t.seed);
        let in_file = |e: Error| match e {
            Error::FileFormat { .. } | Error::Io { .. } => e,
            other => bad(other.to_string()),
        };
        let mut m = Sequential::from_spec(&spec, device.clone(), seed).map_err(in_file)?;
        let (optimizer, loss, metrics) = compile
            .settings()
            .map_err(|e| bad(format!("metadata `compile`: {e}")))?;
        let slot_names = OptimizerState::slot_names(&optimizer.optimizer);
        // Every weight (and, to resume, every optimizer slot) must be in the file with the
        // shape the description gives before anything is allocated for the model, so the
        // model's size is what the file holds, not what its metadata claims.
        for (i, l) in m.layers.iter().enumerate() {
            for (pname, shape) in l.param_shapes() {
                let mut names = vec![format!("layers.{i}.{pname}")];
                if mode == LoadMode::Resume && !l.non_trainable_weights().contains(&pname) {
                    names.extend(
                        slot_names
                            .iter()
                            .map(|slot| format!("optimizer.layers.{i}.{pname}.{slot}")),
                    );
                }
                for name in names {
                    f32_shape(&name, &shape)?;
                }
            }
        }
        m.compile(optimizer, loss, &metrics).map_err(in_file)?;

        let mut weights = Vec::new();
        for (i, l) in m.layers.iter().enumerate() {
            for p in l.params() {
                let name = format!("layers.{i}.{}", p.name);
                let data = f32s(&name, &p.shape)?;
                weights.push(NamedArray {
                    name,
                    array: Array::new(&p.shape, data)?,
                });
            }
        }
        m.set_weights(&weights)?;
        let names = super::weights::class_names_in(Some(&meta), m.output_shape()).map_err(bad)?;
        m.set_class_names(names);
        m.set_input_notes(super::weights::input_notes_in(Some(&meta)).map_err(bad)?);
        let Some(training) = training else {
            return Ok(m);
        };
        let dev = device;
        for (i, l) in m.layers.iter_mut().enumerate() {
            for (name, t) in l.state_mut() {
                dev.write_u32(t, &u32s(&format!("layers.{i}.{name}"), Some(1))?)?;
            }
        }
        let mut restored = Vec::new();
        for (i, l) in m.layers.iter().enumerate() {
            for p in l.trainable_params() {
                for slot in slot_names {
                    let name = format!("optimizer.layers.{i}.{}.{slot}", p.name);
                    restored.push(f32s(&name, &p.shape)?);
                }
            }
        }
        let step = u32s("optimizer.step", Some(1))?;
        let c = m.compiled.as_mut().expect("compiled above");
        c.state.set_step(&dev, &c.optimizer, step[0])?;
        let mut it = restored.into_iter();
        for slots in c.state.slots_mut() {
            for t in slots.iter_mut() {
                dev.write(t, &it.next().expect("one per slot"))?;
            }
        }
        if tensors.names().contains(&"training.order") {
            let order = u32s("training.order", None)?;
            let n = order.len();
            let mut seen = vec![false; n];
            for &i in &order {
                match seen.get_mut(i as usize) {
                    Some(s) if !*s => *s = true,
                    _ => return Err(bad("tensor `training.order` is not a permutation".into())),
                }
            }
            m.order = order.into_iter().map(|i| i as usize).collect();
        }
        check_training_state(&training, m.order.len())
            .map_err(|e| bad(format!("metadata `training`: {e}")))?;
        m.replay_shuffles(&training.shuffle_log);
        m.shuffles = training.shuffle;
        m.history = training.history;
        Ok(m)
    }
}
