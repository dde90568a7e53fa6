//! What a run trains on: MNIST or another data set by name, an image folder, or a CSV
//! table, read into inputs and labels (or regression targets) for the model, whose class
//! names and input notes are set from the data (and checked against a resumed model's).

use std::path::Path;

use wgtrain::data::{load_csv, Split};
use wgtrain::nn::Sequential;
use wgtrain::{Error, Result};

use super::TrainArgs;
use crate::common::{dataset, folder_for};

/// The images a run trains on (and tests on, for MNIST).
pub(super) struct RunData {
    /// The inputs (images, or a table's standardised rows) and class labels.
    pub(super) train: Split,
    /// A regression's targets [n, 1] (the labels are then unused).
    pub(super) targets: Option<wgtrain::nn::Array>,
    /// None for a folder (its validation rows stand in).
    pub(super) test: Option<Split>,
    /// "MNIST in DIR" or the image folder.
    pub(super) source: String,
    /// A line for the run's summary about how the data was read (a table's target).
    pub(super) about_data: Option<String>,
}

/// MNIST (`--data`), or an image folder (`--data-dir`) read at the model's input shape,
/// its class names given to the model (and checked against a resumed one's).
pub(super) fn run_data(a: &TrainArgs, model: &mut Sequential) -> Result<RunData> {
    if let Some(csv) = &a.csv {
        return table_data(a, csv, model);
    }
    let Some(dir) = &a.data_dir else {
        let ds = a.dataset;
        // --limit also limits the test set unless --test-limit says otherwise.
        let m = dataset(ds, a.data.as_deref(), a.limit, a.test_limit.or(a.limit))?;
        let names = ds.class_names();
        if a.resume.is_some() && model.class_names() != names.as_deref() {
            return Err(Error::Model(format!(
                "the checkpoint was trained on other classes ({:?}) than {} has; resume it \
                 with the --dataset it was trained on",
                model.class_names().unwrap_or_default(),
                ds.title()
            )));
        }
        model.set_class_names(names);
        return Ok(RunData {
            train: m.train,
            targets: None,
            test: Some(m.test),
            source: format!("{} in {}", ds.title(), ds.dir(a.data.as_deref()).display()),
            about_data: None,
        });
    };
    // Shuffled by the model's seed (a resumed run's is its checkpoint's), so a resume
    // splits training and validation images as the first run did.
    // The run keeps the validation rows and the model's copy of them (without a
    // split, the whole set twice), besides the training rows it takes over.
    let copies = match a.validation_split {
        v if v > 0.0 => 2.0 * v as f64,
        _ => 2.0,
    };
    let (train, names) = folder_for(model, dir, a.strict, Some(model.seed()), a.limit, copies)?;
    model.set_class_names(Some(names));
    Ok(RunData {
        test: None,
        train,
        targets: None,
        source: format!("the images in {}", dir.display()),
        about_data: None,
    })
}

/// A CSV's rows for `model`: features standardised by the training rows' statistics
/// (kept with the model), the target as numbers (mse) or classes (a cross-entropy).
fn table_data(a: &TrainArgs, csv: &Path, model: &mut Sequential) -> Result<RunData> {
    let target = a
        .target
        .as_deref()
        .expect("clap requires --target with --csv");
    let classify = model
        .loss_config()
        .is_some_and(|c| c.loss != wgtrain::nn::Loss::MeanSquaredError);
    // A split that leaves nothing is refused with the rows' count once they are read.
    let split_at = |n: usize| {
        super::split_of(a.validation_split)
            .training_rows(n)
            .unwrap_or(n)
    };
    let mut table = load_csv(csv, target, classify, split_at)?;
    let features = table.tabular.columns.len();
    if model.input_shape() != [features] {
        return Err(Error::Model(format!(
            "{} has {features} feature columns ({}), but the model takes inputs of shape {:?}; \
             use a model file with \"input_shape\": [{features}]",
            csv.display(),
            table.tabular.columns.join(", "),
            model.input_shape()
        )));
    }
    let outputs = table.tabular.classes.as_ref().map_or(1, Vec::len);
    if model.output_shape() != [outputs] {
        return Err(Error::Model(format!(
            "the model outputs {:?}, but {} needs {outputs} (end with Dense({outputs}){})",
            model.output_shape(),
            match &table.tabular.classes {
                Some(c) => format!("the {} classes of `{target}`", c.len()),
                None => format!("predicting `{target}` (--loss mse)"),
            },
            if classify { ", softmax" } else { "" }
        )));
    }
    if a.resume.is_some() {
        // A resumed run keeps the statistics it started with.
        let kept = crate::table_model::table_notes(model)?;
        match kept {
            Some(k) if k.columns == table.tabular.columns && k.classes == table.tabular.classes => {
                table.features = k.read_rows_for_predict(csv)?;
                table.tabular = k;
            }
            _ => {
                return Err(Error::Model(format!(
                    "the checkpoint was not trained on a table with the columns and classes of \
                     {}; resume it with the --csv it was trained on",
                    csv.display()
                )))
            }
        }
    }
    // Nothing a loader would refuse is written: finite statistics, at most 256 classes.
    table.tabular.check().map_err(|d| Error::FileFormat {
        path: csv.display().to_string(),
        detail: d,
    })?;
    model.set_class_names(table.tabular.classes.clone());
    model.set_input_notes(Some(
        serde_json::to_string(&table.tabular).expect("tabular notes serialise"),
    ));
    let n = table.features.rows();
    let (labels, mut targets) = match table.target {
        wgtrain::data::Target::Classes(l) => (l, None),
        wgtrain::data::Target::Values(v) => (vec![0; n], Some(v)),
    };
    let mut train = Split {
        images: table.features,
        labels,
    };
    if let Some(limit) = a.limit {
        train = train.take(limit);
        targets = targets.map(|t| t.slice_rows(0, limit.min(n)));
    }
    let labels = match (&table.tabular.classes, table.labels_read) {
        (Some(c), Some(read)) => {
            let how = match read {
                wgtrain::data::LabelsRead::Numbers => "numbers (1, 1.0 and 01 are one class)",
                wgtrain::data::LabelsRead::Text => "text (each distinct value is a class)",
            };
            let mut names = c.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
            if c.len() > 10 {
                names += ", …";
            }
            format!(
                "target `{target}` read as {how}: {} classes ({names})",
                c.len()
            )
        }
        _ => format!("target `{target}` read as numbers (a regression)"),
    };
    Ok(RunData {
        test: None,
        train,
        targets,
        source: format!("the rows of {}", csv.display()),
        about_data: Some(labels),
    })
}
