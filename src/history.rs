//! What `fit` returns: per-epoch loss and metrics, as Keras's `History`.

/// One epoch's results.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochLog {
    /// 1-based epoch number.
    pub epoch: usize,
    /// How many epochs the fit runs.
    pub epochs: usize,
    /// Mean training loss over the epoch's samples (as Keras reports it).
    pub loss: f32,
    /// Training accuracy over the epoch, when compiled with it.
    pub accuracy: Option<f32>,
    /// Loss on the validation data, when there is some.
    pub val_loss: Option<f32>,
    /// Accuracy on the validation data, when there is some and compiled with it.
    pub val_accuracy: Option<f32>,
    /// Keras's top_k_categorical_accuracy, when compiled with it (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k_categorical_accuracy: Option<f32>,
    /// top_k_categorical_accuracy on the validation data, when there is some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val_top_k_categorical_accuracy: Option<f32>,
    /// Training steps (batches) in the epoch.
    pub steps: usize,
    /// The learning rate the epoch trained at (as Keras logs it); absent in logs written
    /// before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<f32>,
    /// Wall-clock seconds for the epoch, validation included; NaN when unknown (an epoch
    /// restored from a checkpoint, which keeps no wall-clock times), written as null.
    #[serde(default = "unknown_seconds", deserialize_with = "nan_if_null")]
    pub seconds: f64,
}

fn unknown_seconds() -> f64 {
    f64::NAN
}

/// A number, or NaN for JSON's null (how serde_json writes NaN).
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(<Option<f64> as serde::Deserialize>::deserialize(d)?.unwrap_or(f64::NAN))
}

impl EpochLog {
    /// Keras's end-of-epoch line: "loss: 0.2950 - accuracy: 0.9161 - val_loss: ...".
    pub fn metrics_line(&self) -> String {
        let mut s = format!("loss: {:.4}", self.loss);
        if let Some(a) = self.accuracy {
            s += &format!(" - accuracy: {a:.4}");
        }
        if let Some(a) = self.top_k_categorical_accuracy {
            s += &format!(" - top_k_categorical_accuracy: {a:.4}");
        }
        if let Some(v) = self.val_loss {
            s += &format!(" - val_loss: {v:.4}");
        }
        if let Some(a) = self.val_accuracy {
            s += &format!(" - val_accuracy: {a:.4}");
        }
        if let Some(a) = self.val_top_k_categorical_accuracy {
            s += &format!(" - val_top_k_categorical_accuracy: {a:.4}");
        }
        s
    }
}

/// Every epoch of a `fit`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per epoch run, in order.
    pub epochs: Vec<EpochLog>,
    /// Bytes of training and validation data kept on the device for the fit (0 when
    /// batches were streamed from the host).
    pub resident_bytes: usize,
    /// The epoch after which EarlyStopping stopped training, if it did.
    pub stopped_epoch: Option<usize>,
}

impl History {
    /// The training loss per epoch.
    pub fn loss(&self) -> Vec<f32> {
        self.epochs.iter().map(|e| e.loss).collect()
    }
    /// The training accuracy per epoch (epochs without one left out).
    pub fn accuracy(&self) -> Vec<f32> {
        self.epochs.iter().filter_map(|e| e.accuracy).collect()
    }
    /// The validation loss per epoch (epochs without one left out).
    pub fn val_loss(&self) -> Vec<f32> {
        self.epochs.iter().filter_map(|e| e.val_loss).collect()
    }
    /// The validation accuracy per epoch (epochs without one left out).
    pub fn val_accuracy(&self) -> Vec<f32> {
        self.epochs.iter().filter_map(|e| e.val_accuracy).collect()
    }
    /// Seconds per epoch.
    pub fn seconds(&self) -> Vec<f64> {
        self.epochs.iter().map(|e| e.seconds).collect()
    }
}
