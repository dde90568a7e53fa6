//! `WebTrainer`: the seed MLP or CNN on the browser's GPU, trained on MNIST handed over as
//! the four IDX files' bytes, with the command's settings (Adam 1e-3, categorical
//! cross-entropy, accuracy, batch 32, validation_split 0.2), and its weights in the
//! command's weights file format (what `wgtrain train` writes and `wgtrain predict
//! --weights` reads).
//!
//! Each method returns a promise. A trainer does one thing at a time: a call while another
//! is running (e.g. `predict` from the progress callback, or a second `trainEpoch` not
//! awaited) is refused with an error; reads (`evaluate`, `predict`, `saveWeights`) may
//! overlap each other.

use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;
use std::sync::Arc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use wgtrain::data::load_split_from_bytes;
use wgtrain::gpu::Gpu;
use wgtrain::nn::models::{image_cnn, image_mlp};
use wgtrain::nn::{
    to_categorical, Array, Device, FitOptions, Loss, Metric, Optimizer, Sequential, Verbose,
};

use crate::js_err;

/// MNIST's images: 28×28 pixels, one channel.
const IMAGE: [usize; 3] = [28, 28, 1];
/// Steps between the progress readings of `trainEpoch`.
const READ_EVERY: usize = 50;

/// The training and test sets, images scaled to [0, 1] and labels one-hot.
struct Data {
    x_train: Array,
    y_train: Array,
    x_test: Array,
    y_test: Array,
}

struct Inner {
    model: Sequential,
    data: Option<Data>,
}

/// A model on the browser's GPU and the MNIST data it trains on.
#[wasm_bindgen]
pub struct WebTrainer {
    inner: Rc<RefCell<Inner>>,
    adapter: String,
}

/// Run `f` on the trainer's state as a promise.
fn with_inner<F, Fut>(inner: &Rc<RefCell<Inner>>, f: F) -> Promise
where
    F: FnOnce(Rc<RefCell<Inner>>) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
{
    future_to_promise(f(inner.clone()))
}

/// The error of a call made while another is running (a `RefCell` borrow that would
/// panic, and a panic would stop the module).
fn busy() -> JsValue {
    JsError::new(
        "the trainer is busy with another call (training, evaluating, predicting or saving); \
         await it first",
    )
    .into()
}

/// The state to read, or the busy error.
fn read(inner: &RefCell<Inner>) -> Result<Ref<'_, Inner>, JsValue> {
    inner.try_borrow().map_err(|_| busy())
}

/// The state to change, or the busy error.
fn write(inner: &RefCell<Inner>) -> Result<RefMut<'_, Inner>, JsValue> {
    inner.try_borrow_mut().map_err(|_| busy())
}

fn data_of(inner: &Inner) -> Result<&Data, JsValue> {
    inner.data.as_ref().ok_or_else(no_data)
}

fn set(o: &Object, key: &str, v: impl Into<JsValue>) {
    // Setting a property of a plain new object cannot fail.
    let _ = Reflect::set(o, &key.into(), &v.into());
}

fn num(v: Option<f32>) -> JsValue {
    v.map_or(JsValue::NULL, |x| JsValue::from_f64(x as f64))
}

#[wasm_bindgen]
impl WebTrainer {
    /// A new seed model ("mlp" or "cnn") drawn from `seed`, compiled as the command does;
    /// rejects with a clear message without WebGPU.
    pub async fn create(model: String, seed: f64) -> Result<WebTrainer, JsValue> {
        if !(seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0) {
            return Err(JsError::new(&format!(
                "seed {seed} is not a whole number ≥ 0; pass e.g. 42"
            ))
            .into());
        }
        let build = match model.as_str() {
            "mlp" => image_mlp,
            "cnn" => image_cnn,
            other => {
                return Err(JsError::new(&format!(
                    "unknown model {other:?}: use \"mlp\" (the seed MLP) or \"cnn\" (the seed CNN)"
                ))
                .into())
            }
        };
        let gpu = Gpu::open_browser().await.map_err(js_err)?;
        let adapter = format!("{} — {}", crate::adapter_words().await, gpu.info());
        let mut m = build(Device::Gpu(Arc::new(gpu)), seed as u64, IMAGE).map_err(js_err)?;
        m.compile(
            Optimizer::adam_lr(1e-3),
            Loss::CategoricalCrossentropy,
            &[Metric::Accuracy],
        )
        .map_err(js_err)?;
        Ok(WebTrainer {
            inner: Rc::new(RefCell::new(Inner {
                model: m,
                data: None,
            })),
            adapter,
        })
    }

    /// The adapter, its backend and limits (as `wgtrain devices` prints them).
    #[wasm_bindgen(js_name = adapterInfo)]
    pub fn adapter_info(&self) -> String {
        self.adapter.clone()
    }

    /// MNIST from the four IDX files' bytes (each `.gz` or raw), keeping the first `limit`
    /// images of each set (0: all).
    #[wasm_bindgen(js_name = loadMnist)]
    pub fn load_mnist(
        &self,
        train_images: Vec<u8>,
        train_labels: Vec<u8>,
        test_images: Vec<u8>,
        test_labels: Vec<u8>,
        limit: u32,
    ) -> Promise {
        with_inner(&self.inner, move |inner| async move {
            let limit = (limit > 0).then_some(limit as usize);
            let load =
                |im: &[u8], i: &str, lb: &[u8], l: &str| -> Result<(Array, Array), JsValue> {
                    let s = load_split_from_bytes(im, i, lb, l, limit).map_err(js_err)?;
                    Ok((s.images, to_categorical(&s.labels, 10).map_err(js_err)?))
                };
            let (x_train, y_train) = load(
                &train_images,
                "train-images-idx3-ubyte",
                &train_labels,
                "train-labels-idx1-ubyte",
            )?;
            let (x_test, y_test) = load(
                &test_images,
                "t10k-images-idx3-ubyte",
                &test_labels,
                "t10k-labels-idx1-ubyte",
            )?;
            write(&inner)?.data = Some(Data {
                x_train,
                y_train,
                x_test,
                y_test,
            });
            Ok(JsValue::UNDEFINED)
        })
    }

    /// One epoch on the training set (the last 20 % held out for validation, as the
    /// command), calling `onProgress(step, steps, loss, accuracy)` about every 50 steps;
    /// resolves to `{loss, accuracy, val_loss, val_accuracy, ms_per_step, steps}`.
    #[wasm_bindgen(js_name = trainEpoch)]
    pub fn train_epoch(&self, on_progress: Function) -> Promise {
        with_inner(&self.inner, move |inner| async move {
            // Held across the awaits on purpose: a second call meanwhile is refused.
            #[allow(clippy::await_holding_refcell_ref)]
            let mut guard = write(&inner)?;
            let Inner { model, data } = &mut *guard;
            let d = data.as_ref().ok_or_else(no_data)?;
            let opts = FitOptions {
                batch_size: 32,
                validation_split: 0.2,
                verbose: Verbose::Silent,
                ..FitOptions::default()
            };
            let mut progress = |step: usize, steps: usize, loss: f32, acc: Option<f32>| {
                let args = js_sys::Array::of4(
                    &(step as f64).into(),
                    &(steps as f64).into(),
                    &(loss as f64).into(),
                    &num(acc),
                );
                // An exception in the page's callback is the page's; training goes on.
                let _ = on_progress.apply(&JsValue::NULL, &args);
            };
            let log = model
                .fit_epoch_async(&d.x_train, &d.y_train, &opts, READ_EVERY, &mut progress)
                .await
                .map_err(js_err)?;
            let o = Object::new();
            set(&o, "loss", log.loss as f64);
            set(&o, "accuracy", num(log.accuracy));
            set(&o, "val_loss", num(log.val_loss));
            set(&o, "val_accuracy", num(log.val_accuracy));
            set(
                &o,
                "ms_per_step",
                log.seconds * 1e3 / log.steps.max(1) as f64,
            );
            set(&o, "steps", log.steps as f64);
            set(&o, "epoch", log.epoch as f64);
            set(&o, "seconds", log.seconds);
            Ok(o.into())
        })
    }

    /// Loss and accuracy on the test set: `{loss, accuracy}`.
    pub fn evaluate(&self) -> Promise {
        with_inner(&self.inner, move |inner| async move {
            #[allow(clippy::await_holding_refcell_ref)]
            let guard = read(&inner)?;
            let d = data_of(&guard)?;
            let e = guard
                .model
                .evaluate_async(&d.x_test, &d.y_test)
                .await
                .map_err(js_err)?;
            let o = Object::new();
            set(&o, "loss", e.loss as f64);
            set(&o, "accuracy", num(e.accuracy));
            Ok(o.into())
        })
    }

    /// The 10 class probabilities for one 28×28 image (784 values in [0, 1], row-major).
    pub fn predict(&self, pixels: Vec<f32>) -> Promise {
        with_inner(&self.inner, move |inner| async move {
            if pixels.len() != 784 {
                return Err(JsError::new(&format!(
                    "predict takes 784 pixels (28×28, row-major, values in [0, 1]), got {}",
                    pixels.len()
                ))
                .into());
            }
            if let Some(bad) = pixels.iter().find(|p| !p.is_finite()) {
                return Err(
                    JsError::new(&format!("predict: pixel value {bad} is not finite")).into(),
                );
            }
            let x = Array::new(&[1, 28, 28, 1], pixels).map_err(js_err)?;
            #[allow(clippy::await_holding_refcell_ref)]
            let guard = read(&inner)?;
            let y = guard.model.predict_async(&x).await.map_err(js_err)?;
            Ok(js_sys::Float32Array::from(&y.data[..]).into())
        })
    }

    /// The weights in the command's weights file format (safetensors, Keras names, the
    /// model description as metadata): `wgtrain predict --weights FILE` reads it.
    #[wasm_bindgen(js_name = saveWeights)]
    pub fn save_weights(&self) -> Promise {
        with_inner(&self.inner, move |inner| async move {
            #[allow(clippy::await_holding_refcell_ref)]
            let guard = read(&inner)?;
            let weights = guard.model.get_weights_async().await.map_err(js_err)?;
            let bytes = guard.model.weights_file_bytes_of(weights).map_err(js_err)?;
            Ok(js_sys::Uint8Array::from(&bytes[..]).into())
        })
    }

    /// Replace the weights from a weights file (or checkpoint) of the same model, as the
    /// command writes them (`wgtrain train --save-weights`, `--out`).
    #[wasm_bindgen(js_name = loadWeights)]
    pub fn load_weights(&self, bytes: Vec<u8>) -> Promise {
        with_inner(&self.inner, move |inner| async move {
            write(&inner)?
                .model
                .load_weights_from_bytes(&bytes, "the weights file")
                .map_err(js_err)?;
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// The error of a call that needs the data before `loadMnist`.
fn no_data() -> JsValue {
    JsError::new(
        "no data yet: call loadMnist(trainImages, trainLabels, testImages, testLabels, limit) first",
    )
    .into()
}
