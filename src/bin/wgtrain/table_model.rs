//! Models trained on a table (`train --csv`): their input notes (the feature columns, the
//! standardisation, the target and its classes) read back and checked against the model,
//! since a file may be damaged or forged; and the loss a weights file's model is compiled
//! with for inference (a regression is not a classifier).

use wgtrain::data::Tabular;
use wgtrain::echo::clip;
use wgtrain::nn::{LayerSpec, Loss, LossConfig, Metric, Sequential};
use wgtrain::{Error, Result};

/// The model's table description, if it was trained on one: refused unless it describes
/// the model (one input per feature column, one output per class or one for a number)
/// with finite statistics, so nothing downstream indexes past what it holds.
pub fn table_notes(model: &Sequential) -> Result<Option<Tabular>> {
    let Some(text) = model.input_notes() else {
        return Ok(None);
    };
    let Ok(t) = wgtrain::strict_json::from_str::<Tabular>(text) else {
        // Notes of another kind (a library user's own): not a table.
        return Ok(None);
    };
    let f = t.columns.len();
    let problem = if let Err(p) = t.check() {
        Some(p)
    } else if model.input_shape() != [f] {
        Some(format!(
            "it has {f} columns but the model takes inputs of shape {:?}",
            model.input_shape()
        ))
    } else {
        let outputs = t.classes.as_ref().map_or(1, Vec::len);
        (model.output_shape() != [outputs] || outputs == 0).then(|| {
            format!(
                "it describes {} but the model outputs {:?}",
                match &t.classes {
                    Some(c) => format!("{} classes", c.len()),
                    None => "one number".into(),
                },
                model.output_shape()
            )
        })
    };
    match problem {
        None => Ok(Some(t)),
        Some(p) => Err(Error::Model(format!(
            "the model's input notes (the table it was trained on) do not fit it: {p}; the \
             file is damaged or was not written by wgtrain"
        ))),
    }
}

/// The loss (and metrics) a model from a weights file is compiled with for inference: the
/// file's table notes say a regression (mse, no metrics); a sigmoid output is
/// binary_crossentropy; otherwise categorical_crossentropy (from logits unless the model
/// ends in softmax). Accuracy only where there are classes to compare (≥ 2 outputs).
pub fn inference_loss(model: &Sequential, notes: Option<&str>) -> (LossConfig, Vec<Metric>) {
    let regression = notes
        .and_then(|t| wgtrain::strict_json::from_str::<Tabular>(t).ok())
        .is_some_and(|t| t.classes.is_none());
    let last = match model.spec().layers.last() {
        Some(LayerSpec::Dense { activation, .. } | LayerSpec::Activation { activation }) => {
            activation.clone()
        }
        _ => String::new(),
    };
    let loss = match (regression, last.as_str()) {
        (true, _) => LossConfig {
            loss: Loss::MeanSquaredError,
            from_logits: false,
        },
        (false, "sigmoid") => LossConfig {
            loss: Loss::BinaryCrossentropy,
            from_logits: false,
        },
        (false, act) => LossConfig {
            loss: Loss::CategoricalCrossentropy,
            from_logits: act != "softmax",
        },
    };
    let classes = model.output_shape().iter().product::<usize>() >= 2;
    let metrics = match regression || !classes {
        true => vec![],
        false => vec![Metric::Accuracy],
    };
    (loss, metrics)
}

/// `command` reads images: a model trained on a table is refused with what to use instead.
pub fn refuse_table_model(model: &Sequential, command: &str) -> Result<()> {
    let Some(t) = table_notes(model)? else {
        return Ok(());
    };
    let what = match &t.classes {
        None => format!("predicts the number `{}` (a regression)", clip(&t.target)),
        Some(c) => format!("classifies `{}` into {} classes", clip(&t.target), c.len()),
    };
    Err(Error::Model(format!(
        "this model was trained on a table (--csv): it {what} from the columns {}; `{command}` \
         measures models on images. Predict the table's rows with `wgtrain predict MODEL \
         --csv ROWS.csv` (or `--weights FILE --csv ROWS.csv`)",
        clip(&t.columns.join(", "))
    )))
}
