//! Checkpoints: a model's weights, optimizer state and training position in one
//! safetensors file, so training resumes exactly where it stopped.
//!
//! Tensors (little-endian; weights in Keras layout: Dense kernel [in, out], Conv2D kernel
//! [kh, kw, in, out], biases [out]):
//! - `layers.{i}.kernel`, `layers.{i}.bias` (F32): the weights of layer i;
//! - `layers.{i}.counter` (U32 [1]): a Dropout layer's step counter;
//! - `optimizer.layers.{i}.{kernel|bias}.{m|v}` (Adam) or `.velocity` (SGD) (F32);
//! - `optimizer.step` (U32 [1]): optimizer steps taken;
//! - `training.order` (U32 [n]): the current shuffled order of the training rows.
//!
//! Metadata (JSON strings): `format` ("wgtrain-checkpoint-1"), `model` (the
//! [`ModelSpec`]), `compile` (optimizer with hyper-parameters, loss, metrics), `training`
//! (seed, epochs done, the shuffle log, every epoch's log).
//!
//! Files are written atomically: to a temporary file beside the target, synced, then
//! renamed over it, so an interrupted save leaves the previous checkpoint intact. They are
//! byte-identical for identical runs: the header's keys are sorted and wall-clock times
//! stay out (they belong in history.json). A save refuses weights or optimizer state that
//! hold NaN or infinity, so a diverged run never replaces a good checkpoint.
//!
//! Loading trusts nothing in the file: every tensor's dtype and shape is checked against
//! the model its description builds (whose size is checked before anything is allocated),
//! every F32 tensor must be finite, the training order must be a permutation, and the
//! training metadata is cross-checked (history numbered 1..=epochs_done, shuffles no more
//! than epochs and no longer than the order), so its cost is bounded by the file's size.
//! [`Sequential::load_for_inference`] reads only the model and its weights.
mod callback;
mod limits;
mod load;
mod metadata;
mod weights;

pub use limits::{MAX_CLASS_NAME_CHARS, MAX_HEADER_BYTES, MAX_INPUT_NOTES_BYTES};
pub use weights::{weights_file_metadata, CONVERT_KERAS, WEIGHTS_FORMAT};

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use serde::Serialize;

use crate::atomic_file::write_atomically;
use crate::error::{Error, Result};
use crate::history::EpochLog;
use crate::hyperparams::GradientClip;
use crate::nn::model::sequential::{Compiled, Sequential};
use crate::nn::training::optimizer::{Optimizer, OptimizerState};
use metadata::{first_non_finite, CompileConfig, OptimizerConfig, TrainingState};

/// The `format` metadata value this version writes and reads.
pub const CHECKPOINT_FORMAT: &str = "wgtrain-checkpoint-1";

/// Bytes of one tensor to write.
struct Entry {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

fn f32_entry(name: String, shape: &[usize], data: &[f32]) -> Entry {
    Entry {
        name,
        dtype: Dtype::F32,
        shape: shape.to_vec(),
        bytes: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

fn u32_entry(name: String, data: &[u32]) -> Entry {
    Entry {
        name,
        dtype: Dtype::U32,
        shape: vec![data.len()],
        bytes: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

impl Sequential {
    /// Save weights, optimizer state and training position to `path` (safetensors),
    /// atomically. The model must be compiled.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write_atomically(path, &self.checkpoint_bytes(path)?)
    }

    /// The checkpoint `save` writes, as bytes (`path` is named in errors): for writing it
    /// together with other files (`wgtrain::atomic_file::StagedWrites`).
    pub fn checkpoint_bytes(&self, path: impl AsRef<Path>) -> Result<Vec<u8>> {
        let path = path.as_ref();
        let c = self.compiled_for_save()?;
        let dev = self.device();
        let mut entries = Vec::new();
        let finite = |name: &str, data: &[f32]| match first_non_finite(data) {
            None => Ok(()),
            Some((index, value)) => Err(Error::NonFiniteWeights {
                tensor: name.to_string(),
                index,
                len: data.len(),
                value,
                detail: format!(
                    "not saved to {}, which keeps what it held; training diverged: lower the \
                     learning rate or check the inputs",
                    path.display()
                ),
            }),
        };
        for w in self.get_weights()? {
            finite(&w.name, &w.array.data)?;
            entries.push(f32_entry(w.name, &w.array.shape, &w.array.data));
        }
        for (i, l) in self.layers.iter().enumerate() {
            for (name, t) in l.state() {
                entries.push(u32_entry(
                    format!("layers.{i}.{name}"),
                    &dev.download_u32(t)?,
                ));
            }
        }
        let slot_names = OptimizerState::slot_names(&c.optimizer);
        let mut slots = c.state.slots().iter();
        for (i, l) in self.layers.iter().enumerate() {
            for p in l.trainable_params() {
                let s = slots.next().expect("one slot set per parameter");
                for (slot, t) in slot_names.iter().zip(s) {
                    let name = format!("optimizer.layers.{i}.{}.{slot}", p.name);
                    let data = dev.download(t)?;
                    finite(&name, &data)?;
                    entries.push(f32_entry(name, &p.shape, &data));
                }
            }
        }
        entries.push(u32_entry(
            "optimizer.step".into(),
            &dev.download_u32(c.state.step())?[..1],
        ));
        if !self.order.is_empty() {
            let order: Vec<u32> = self.order.iter().map(|&i| i as u32).collect();
            entries.push(u32_entry("training.order".into(), &order));
        }

        let metadata = self.checkpoint_metadata()?;
        safetensors_bytes_for(path, &entries, metadata, self.output_shape(), "save")
    }

    /// What `compile` chose, which a checkpoint keeps: an error before `compile`.
    fn compiled_for_save(&self) -> Result<&Compiled> {
        self.compiled.as_ref().ok_or_else(|| Error::NotReady {
            call: "save",
            why: "the model has no optimizer yet (a checkpoint keeps it)".into(),
            first: "compile",
        })
    }

    /// The metadata a checkpoint of this model holds now (the model must be compiled).
    fn checkpoint_metadata(&self) -> Result<HashMap<String, String>> {
        let c = self.compiled_for_save()?;
        let dev = self.device();
        let optimizer = match c.optimizer {
            Optimizer::Adam(p) => OptimizerConfig::Adam {
                learning_rate: p.lr,
                beta_1: p.beta1,
                beta_2: p.beta2,
                epsilon: p.eps,
                epsilon_form: p.epsilon_form,
            },
            Optimizer::AdamW { adam, weight_decay } => OptimizerConfig::Adamw {
                learning_rate: adam.lr,
                weight_decay,
                beta_1: adam.beta1,
                beta_2: adam.beta2,
                epsilon: adam.eps,
                epsilon_form: adam.epsilon_form,
            },
            Optimizer::RmsProp(p) => OptimizerConfig::Rmsprop {
                learning_rate: p.lr,
                rho: p.rho,
                momentum: p.momentum,
                epsilon: p.eps,
            },
            Optimizer::Sgd(p) => OptimizerConfig::Sgd {
                learning_rate: p.lr,
                momentum: p.momentum,
                nesterov: p.nesterov,
            },
        };
        let compile = CompileConfig {
            optimizer,
            loss: c.loss.name().into(),
            from_logits: c.from_logits,
            metrics: self
                .compiled_with()
                .map_or(Vec::new(), |(_, _, m)| m.iter().map(|m| m.name()).collect()),
            clipnorm: match c.clip {
                Some(GradientClip::Norm(v)) => Some(v),
                _ => None,
            },
            clipvalue: match c.clip {
                Some(GradientClip::Value(v)) => Some(v),
                _ => None,
            },
            learning_rate_schedule: c.schedule.clone(),
        };
        let training = TrainingState {
            seed: self.seed(),
            epochs_done: self.epoch_logs().last().map_or(0, |e| e.epoch),
            shuffle_log: self.shuffle_log.clone(),
            shuffle: self.shuffles(),
            history: self
                .epoch_logs()
                .iter()
                .map(|e| EpochLog {
                    seconds: f64::NAN,
                    ..e.clone()
                })
                .collect(),
        };
        let mut metadata: HashMap<String, String> = [
            ("format".to_string(), CHECKPOINT_FORMAT.to_string()),
            ("model".into(), self.spec().to_json()),
            ("compile".into(), to_json(&compile)),
            ("training".into(), to_json(&training)),
            ("device".into(), dev.name()),
        ]
        .into_iter()
        .collect();
        if let Some(names) = self.class_names() {
            metadata.insert("class_names".into(), to_json(&names));
        }
        if let Some(notes) = self.input_notes() {
            metadata.insert("input_notes".into(), notes.to_string());
        }
        Ok(metadata)
    }
}

/// `safetensors_bytes` for a file to be written at `path` (named in its errors).
fn safetensors_bytes_for(
    path: &Path,
    entries: &[Entry],
    metadata: HashMap<String, String>,
    outputs: &[usize],
    what: &str,
) -> Result<Vec<u8>> {
    safetensors_bytes(entries, metadata, outputs, what).map_err(|e| match e {
        Error::Model(m) => Error::Model(format!("{m}; nothing was written to {}", path.display())),
        other => other,
    })
}

/// The bytes of a safetensors file of `entries` and `metadata` (header sorted), refused
/// when the loader would refuse them.
fn safetensors_bytes(
    entries: &[Entry],
    metadata: HashMap<String, String>,
    outputs: &[usize],
    what: &str,
) -> Result<Vec<u8>> {
    let unreadable =
        |why: String| Error::Model(format!("{what}: the file would not load back: {why}"));
    limits::check_metadata(&metadata, outputs).map_err(unreadable)?;
    let views = entries
        .iter()
        .map(|e| {
            TensorView::new(e.dtype, e.shape.clone(), &e.bytes)
                .map(|v| (e.name.clone(), v))
                .map_err(|err| Error::Model(format!("{what}: tensor {}: {err}", e.name)))
        })
        .collect::<Result<Vec<_>>>()?;
    let bytes = safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::Model(format!("{what}: {e}")))?;
    let bytes = sorted_header(bytes)?;
    limits::check_header(&bytes).map_err(unreadable)?;
    Ok(bytes)
}

/// The values of an F32 tensor (its dtype and shape already checked), refused when one is
/// NaN or infinite: the message names the tensor and the index, then `why`.
fn finite_f32s(t: &TensorView<'_>, name: &str, why: &str) -> std::result::Result<Vec<f32>, String> {
    let data: Vec<f32> = t
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    match first_non_finite(&data) {
        Some((i, v)) => Err(format!(
            "tensor `{name}` holds {v} at index {i} (of {}); {why}",
            data.len()
        )),
        None => Ok(data),
    }
}

/// The bytes of a file to be read whole, after checking the machine has room for them;
/// `not_it` says what the file is not when it is too large.
fn read_whole(path: &Path, not_it: &str) -> Result<Vec<u8>> {
    // Only a regular file is opened (a FIFO would wait for a writer for ever).
    let what = "checkpoint or weights file";
    let (file, size) = crate::bounded_file::open_regular(path, what, u64::MAX)?;
    crate::memory::check_host(
        format_args!("reading {}", path.display()),
        size as u128,
        not_it,
    )?;
    crate::bounded_file::read_opened(file, size, path, what, size)
}

/// The same safetensors file with its JSON header's keys sorted (safetensors writes its
/// metadata map in hash order, which differs from run to run).
fn sorted_header(bytes: Vec<u8>) -> Result<Vec<u8>> {
    let bad = || Error::Model("save: safetensors wrote an unexpected header".into());
    let n = u64::from_le_bytes(bytes.get(..8).ok_or_else(bad)?.try_into().expect("8 bytes"));
    let end = 8usize.checked_add(n as usize).ok_or_else(bad)?;
    let header: serde_json::Value =
        serde_json::from_slice(bytes.get(8..end).ok_or_else(bad)?).map_err(|_| bad())?;
    // serde_json's maps are ordered by key (no `preserve_order`), so this sorts them.
    let mut text = serde_json::to_vec(&header).expect("a JSON value serialises");
    text.resize(text.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + text.len() + bytes.len() - end);
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    out.extend_from_slice(&bytes[end..]);
    Ok(out)
}

/// The JSON text of a metadata value.
fn to_json(v: &impl Serialize) -> String {
    serde_json::to_string(v).expect("metadata always serialises")
}
