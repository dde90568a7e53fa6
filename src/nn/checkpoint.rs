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

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use super::backend::Backend;
use super::history::EpochLog;
use super::optimizer::{Optimizer, OptimizerState};
use super::sequential::{NamedArray, Sequential};
use super::spec::ModelSpec;
use super::{Array, Loss, Metric};
use crate::cpu::{AdamParams, SgdParams};
use crate::error::{Error, Result};

/// The `format` metadata value this version writes and reads.
pub const CHECKPOINT_FORMAT: &str = "wgtrain-checkpoint-1";

#[derive(Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "lowercase", deny_unknown_fields)]
enum OptimizerConfig {
    Adam {
        learning_rate: f32,
        beta_1: f32,
        beta_2: f32,
        epsilon: f32,
    },
    Sgd {
        learning_rate: f32,
        momentum: f32,
        nesterov: bool,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompileConfig {
    optimizer: OptimizerConfig,
    loss: String,
    metrics: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainingState {
    seed: u64,
    epochs_done: usize,
    shuffle_log: Vec<[usize; 2]>,
    history: Vec<SavedEpoch>,
}

/// An epoch's log as a checkpoint keeps it: without its wall-clock seconds, so that the
/// same run saves the same bytes.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedEpoch {
    epoch: usize,
    epochs: usize,
    loss: f32,
    accuracy: Option<f32>,
    val_loss: Option<f32>,
    val_accuracy: Option<f32>,
    steps: usize,
}

impl From<&EpochLog> for SavedEpoch {
    fn from(e: &EpochLog) -> SavedEpoch {
        SavedEpoch {
            epoch: e.epoch,
            epochs: e.epochs,
            loss: e.loss,
            accuracy: e.accuracy,
            val_loss: e.val_loss,
            val_accuracy: e.val_accuracy,
            steps: e.steps,
        }
    }
}

impl From<SavedEpoch> for EpochLog {
    /// `seconds` is not kept in checkpoints: NaN ("unknown", null in JSON).
    fn from(e: SavedEpoch) -> EpochLog {
        EpochLog {
            epoch: e.epoch,
            epochs: e.epochs,
            loss: e.loss,
            accuracy: e.accuracy,
            val_loss: e.val_loss,
            val_accuracy: e.val_accuracy,
            steps: e.steps,
            seconds: f64::NAN,
        }
    }
}

/// What [`Sequential::load`] restores.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LoadMode {
    /// Everything, to train on exactly where the checkpoint stopped.
    Resume,
    /// The model, its compile settings and weights; no optimizer state, no training state.
    Inference,
}

/// The first NaN or infinity in `data`, as (index, value).
fn first_non_finite(data: &[f32]) -> Option<(usize, f32)> {
    data.iter()
        .position(|v| !v.is_finite())
        .map(|i| (i, data[i]))
}

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
    pub fn save(&self, path: &Path) -> Result<()> {
        let c = self.compiled.as_ref().ok_or_else(|| {
            Error::Model("save: compile the model first (a checkpoint keeps its optimizer)".into())
        })?;
        let be = self.backend();
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
                    &be.download_u32(t)?,
                ));
            }
        }
        let slot_names = OptimizerState::slot_names(&c.optimizer);
        let mut slots = c.state.slots().iter();
        for (i, l) in self.layers.iter().enumerate() {
            for p in l.params() {
                let s = slots.next().expect("one slot set per parameter");
                for (slot, t) in slot_names.iter().zip(s) {
                    let name = format!("optimizer.layers.{i}.{}.{slot}", p.name);
                    let data = be.download(t)?;
                    finite(&name, &data)?;
                    entries.push(f32_entry(name, &p.shape, &data));
                }
            }
        }
        entries.push(u32_entry(
            "optimizer.step".into(),
            &be.download_u32(c.state.step())?,
        ));
        if !self.order.is_empty() {
            let order: Vec<u32> = self.order.iter().map(|&i| i as u32).collect();
            entries.push(u32_entry("training.order".into(), &order));
        }

        let optimizer = match c.optimizer {
            Optimizer::Adam(p) => OptimizerConfig::Adam {
                learning_rate: p.lr,
                beta_1: p.beta1,
                beta_2: p.beta2,
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
            metrics: if c.accuracy {
                vec!["accuracy".into()]
            } else {
                vec![]
            },
        };
        let training = TrainingState {
            seed: self.seed(),
            epochs_done: self.epoch_logs().last().map_or(0, |e| e.epoch),
            shuffle_log: self.shuffle_log.clone(),
            history: self.epoch_logs().iter().map(SavedEpoch::from).collect(),
        };
        let metadata: HashMap<String, String> = [
            ("format".to_string(), CHECKPOINT_FORMAT.to_string()),
            ("model".into(), self.spec().to_json()),
            ("compile".into(), to_json(&compile)),
            ("training".into(), to_json(&training)),
            ("backend".into(), be.name()),
        ]
        .into_iter()
        .collect();

        let views = entries
            .iter()
            .map(|e| {
                TensorView::new(e.dtype, e.shape.clone(), &e.bytes)
                    .map(|v| (e.name.clone(), v))
                    .map_err(|err| Error::Model(format!("save: tensor {}: {err}", e.name)))
            })
            .collect::<Result<Vec<_>>>()?;
        let bytes = safetensors::serialize(views, Some(metadata))
            .map_err(|e| Error::Model(format!("save: {e}")))?;
        write_atomically(path, &sorted_header(bytes)?)
    }

    /// Load a checkpoint written by [`save`](Self::save) onto `backend` (either backend,
    /// whichever saved it): the model is rebuilt from its description, compiled as it
    /// was, and its weights, optimizer state and training position restored.
    pub fn load(path: &Path, backend: Backend) -> Result<Sequential> {
        Sequential::load_as(path, backend, LoadMode::Resume)
    }

    /// Load only what `evaluate` and `predict` need: the model, its compile settings and
    /// its weights. Optimizer state and training position are not read (the model can
    /// still be trained, from a fresh optimizer).
    pub fn load_for_inference(path: &Path, backend: Backend) -> Result<Sequential> {
        Sequential::load_as(path, backend, LoadMode::Inference)
    }

    fn load_as(path: &Path, backend: Backend, mode: LoadMode) -> Result<Sequential> {
        let io = |e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        crate::memory::check_host(
            format_args!("reading {}", path.display()),
            size as u128,
            "this is not a checkpoint wgtrain wrote",
        )?;
        let bytes = std::fs::read(path).map_err(io)?;
        Sequential::from_checkpoint_bytes(&bytes, &path.display().to_string(), backend, mode)
    }

    /// [`load`](Self::load) from the bytes of a checkpoint held in memory; `source` names
    /// it in errors. With `inference_only`, as
    /// [`load_for_inference`](Self::load_for_inference).
    pub fn load_from_bytes(
        bytes: &[u8],
        source: &str,
        backend: Backend,
        inference_only: bool,
    ) -> Result<Sequential> {
        let mode = match inference_only {
            true => LoadMode::Inference,
            false => LoadMode::Resume,
        };
        Sequential::from_checkpoint_bytes(bytes, source, backend, mode)
    }

    fn from_checkpoint_bytes(
        bytes: &[u8],
        source: &str,
        backend: Backend,
        mode: LoadMode,
    ) -> Result<Sequential> {
        let bad = |detail: String| Error::Data {
            path: source.to_string(),
            detail,
        };
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        match meta.get("format").map(String::as_str) {
            Some(CHECKPOINT_FORMAT) => {}
            Some(other) => {
                return Err(bad(format!(
                    "checkpoint format {other:?}; this wgtrain reads {CHECKPOINT_FORMAT:?}"
                )))
            }
            None => {
                return Err(bad(
                    "a safetensors file without wgtrain's metadata (no `format`); it holds \
                     weights only — build the model and use set_weights"
                        .into(),
                ))
            }
        }
        let field = |name: &str| {
            meta.get(name)
                .ok_or_else(|| bad(format!("metadata `{name}` is missing")))
        };
        let spec = ModelSpec::from_json(field("model")?, &format!("in {source}"))?;
        let compile: CompileConfig = crate::strict_json::from_str(field("compile")?)
            .map_err(|e| bad(format!("metadata `compile`: {e}")))?;
        let training: Option<TrainingState> = match mode {
            LoadMode::Resume => Some(
                crate::strict_json::from_str(field("training")?)
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
            let data: Vec<f32> = t
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if let Some((i, v)) = first_non_finite(&data) {
                return Err(bad(format!(
                    "tensor `{name}` holds {v} at index {i} (of {}); the checkpoint is damaged \
                     or its training diverged, and it cannot be used",
                    data.len()
                )));
            }
            Ok(data)
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
            Error::Data { .. } | Error::Io { .. } => e,
            other => bad(other.to_string()),
        };
        let mut m = spec.build(backend.clone(), seed).map_err(in_file)?;
        let optimizer = match compile.optimizer {
            OptimizerConfig::Adam {
                learning_rate,
                beta_1,
                beta_2,
                epsilon,
            } => Optimizer::Adam(AdamParams {
                lr: learning_rate,
                beta1: beta_1,
                beta2: beta_2,
                eps: epsilon,
            }),
            OptimizerConfig::Sgd {
                learning_rate,
                momentum,
                nesterov,
            } => Optimizer::Sgd(SgdParams {
                lr: learning_rate,
                momentum,
                nesterov,
            }),
        };
        check_hyper_parameters(&optimizer).map_err(|e| bad(format!("metadata `compile`: {e}")))?;
        let loss: Loss = compile.loss.parse().map_err(in_file)?;
        let metrics = compile
            .metrics
            .iter()
            .map(|s| s.parse())
            .collect::<Result<Vec<Metric>>>()
            .map_err(in_file)?;
        // Every weight (and, to resume, every optimizer slot) must be in the file with the
        // shape the description gives before anything is allocated for the model, so the
        // model's size is what the file holds, not what its metadata claims.
        let slot_names = OptimizerState::slot_names(&optimizer);
        for (i, l) in m.layers.iter().enumerate() {
            for (pname, shape) in l.param_shapes() {
                let mut names = vec![format!("layers.{i}.{pname}")];
                if mode == LoadMode::Resume {
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
        let Some(training) = training else {
            return Ok(m);
        };
        let be = backend;
        for (i, l) in m.layers.iter_mut().enumerate() {
            for (name, t) in l.state_mut() {
                be.write_u32(t, &u32s(&format!("layers.{i}.{name}"), Some(1))?)?;
            }
        }
        let mut restored = Vec::new();
        for (i, l) in m.layers.iter().enumerate() {
            for p in l.params() {
                for slot in slot_names {
                    let name = format!("optimizer.layers.{i}.{}.{slot}", p.name);
                    restored.push(f32s(&name, &p.shape)?);
                }
            }
        }
        let step = u32s("optimizer.step", Some(1))?;
        let c = m.compiled.as_mut().expect("compiled above");
        be.write_u32(c.state.step_mut(), &step)?;
        let mut it = restored.into_iter();
        for slots in c.state.slots_mut() {
            for t in slots.iter_mut() {
                be.write(t, &it.next().expect("one per slot"))?;
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
        m.history = training.history.into_iter().map(EpochLog::from).collect();
        Ok(m)
    }
}

/// The training metadata must describe a run this file could hold: epochs numbered
/// 1..=epochs_done, no more shuffles than epochs, none longer than the saved order (so
/// replaying them costs no more than the file justifies).
fn check_training_state(t: &TrainingState, order_len: usize) -> std::result::Result<(), String> {
    if t.epochs_done != t.history.len() {
        return Err(format!(
            "epochs_done {} disagrees with the history, which has {} epochs",
            t.epochs_done,
            t.history.len()
        ));
    }
    for (i, e) in t.history.iter().enumerate() {
        if e.epoch != i + 1 || e.epochs < e.epoch {
            return Err(format!(
                "history entry {i} is epoch {} of {}; expected epoch {}",
                e.epoch,
                e.epochs,
                i + 1
            ));
        }
    }
    let mut shuffles = 0usize;
    for &[len, count] in &t.shuffle_log {
        if len == 0 || len > order_len {
            return Err(format!(
                "shuffle_log has a shuffle of {len} rows; the saved training order has \
                 {order_len}"
            ));
        }
        shuffles = shuffles.saturating_add(count);
    }
    if shuffles > t.epochs_done {
        return Err(format!(
            "shuffle_log records {shuffles} shuffles for {} epochs (at most one per epoch)",
            t.epochs_done
        ));
    }
    Ok(())
}

/// Hyper-parameters a user could not have given: the same rules as the CLI's flags.
fn check_hyper_parameters(o: &Optimizer) -> std::result::Result<(), String> {
    let ok = match o {
        Optimizer::Adam(p) => {
            p.lr.is_finite()
                && p.lr > 0.0
                && (0.0..1.0).contains(&p.beta1)
                && (0.0..1.0).contains(&p.beta2)
                && p.eps.is_finite()
                && p.eps > 0.0
        }
        Optimizer::Sgd(p) => p.lr.is_finite() && p.lr > 0.0 && (0.0..=1.0).contains(&p.momentum),
    };
    match ok {
        true => Ok(()),
        false => Err(format!("optimizer hyper-parameters out of range: {o:?}")),
    }
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

/// Write `bytes` to `path` so that readers see either the old file or the whole new one:
/// a temporary file in the same folder, flushed to disk, then renamed over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |_: &Path| {
        let p: PathBuf = path.to_path_buf();
        move |e| Error::NotSaved { path: p, source: e }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::Model(format!("save: {} is not a file path", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io(path))?;
        // Make the rename itself durable (not possible on every platform; best effort).
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
