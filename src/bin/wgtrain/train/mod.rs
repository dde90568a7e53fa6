//! `wgtrain train`: build (or resume) a model, fit it on MNIST, checkpoint it after every
//! epoch, evaluate it on the test set, and write its history and pictures.
//!
//! Everything that can be checked is checked before the first step: the flags, the run
//! folder (fresh, writable, not another run's), the model's size, the data (both splits,
//! their shapes, a resumed run's data size). Ctrl-C or SIGTERM stop at a step boundary
//! with the last epoch's checkpoint intact and the command that resumes it (exit 130).

use std::path::Path;
use std::time::Instant;

use wgtrain::atomic_file::{write_atomically, StagedWrites};
use wgtrain::nn::{
    callbacks::{EarlyStopping, ModelCheckpoint, ReduceLROnPlateau},
    Device, DeviceKind, FitOptions, Sequential, Verbose,
};
use wgtrain::{Error, Result};

use crate::common::{
    check_classifier, images_for, images_into, labels_for, model_label, predict_probabilities,
};
mod args;
mod data;
mod setup;

pub use args::TrainArgs;

use data::run_data;
use setup::{check_flags, new_model};

use crate::history_files::{earlier_seconds, stage_history};
use crate::interrupt;
use crate::run_dir::RunDir;

pub fn run(a: &TrainArgs) -> Result<()> {
    let say = |s: String| {
        if !a.json {
            println!("{s}");
        }
    };
    check_flags(a)?;
    let dir = RunDir::open(a.out.as_deref(), a.resume.as_deref(), a.overwrite)?;
    for p in &dir.cleaned {
        eprintln!(
            "removed {}, a temporary file left by a run that was killed",
            p.display()
        );
    }
    let result = train(a, &dir, &say);
    if result.is_err() {
        dir.discard_unfinished();
    }
    result
}

fn train(a: &TrainArgs, dir: &RunDir, say: &dyn Fn(String)) -> Result<()> {
    let out = &dir.path;
    let mut model = match &a.resume {
        Some(path) => {
            let mut m = Sequential::load(path, Device::new(a.device)?)?;
            if a.data_dir.is_none() && a.csv.is_none() {
                check_classifier(&m, 10)?;
            }
            if let Some(lr) = a.lr {
                m.set_learning_rate(lr)?;
            }
            m.check_fits(a.batch_size as usize)?;
            m
        }
        None => new_model(a)?,
    };
    let done = model.epoch_logs().len();
    let epochs = a.epochs as usize;
    if done >= epochs {
        return Err(Error::Model(format!(
            "the checkpoint has already trained {done} epochs; pass --epochs {} (or more) to \
             train further",
            done + 1
        )));
    }
    let mut data = run_data(a, &mut model)?;
    // Its class names and notes are set: its checkpoints must load back.
    model.check_saveable(epochs)?;
    let y = match &data.targets {
        Some(t) => t.clone(),
        None => labels_for(&model, &data.train)?,
    };
    let n = data.train.len();
    let split = split_of(a.validation_split).training_rows(n)?;
    // A folder has no test set: its validation rows are evaluated at the end instead.
    let (test, test_name) = match (data.test.take(), split < n) {
        (Some(t), _) => (t, "test"),
        (None, true) => (data.train.slice(split, n), "validation"),
        (None, false) => (data.train.clone(), "training"),
    };
    // The model takes the training rows over (no second copy of the whole set).
    let train_rows = std::mem::replace(&mut data.train, test.slice(0, 0));
    let x = images_into(&model, train_rows)?;
    let x_test = images_for(&model, &test)?;
    let y_test = match &data.targets {
        Some(t) if test_name == "validation" => t.slice_rows(split, n),
        Some(t) => t.clone(),
        None => labels_for(&model, &test)?,
    };
    if a.resume.is_some() && model.training_rows() > 0 && model.training_rows() != split {
        return Err(Error::Model(format!(
            "the checkpoint was trained on {} images per epoch, but this run would train on \
             {split} ({n} images, --validation-split {}); resume with the --limit and \
             --validation-split of the run that wrote it",
            model.training_rows(),
            a.validation_split
        )));
    }

    let checkpoint = out.join("checkpoint.safetensors");
    say(match model.device().chosen_because() {
        Some(why) => format!("device: {} — {why}", model.device().name()),
        None => format!("device: {}", model.device().name()),
    });
    say(format!("run folder: {}", out.display()));
    if let Some(about) = &data.about_data {
        say(about.clone());
    }
    if let Some(r) = &a.resume {
        say(format!("resuming {} after epoch {done}", r.display()));
    } else {
        say(model.summary());
    }
    // Wall-clock times are not in checkpoints: a resumed run takes them from its history.
    let mut seconds = earlier_seconds(out, model.epoch_logs());
    dir.clear_previous()?;
    write_atomically(out.join("model.json"), model.spec().to_json().as_bytes())?;

    let stop = interrupt::install(out.clone())?;
    let opts = FitOptions {
        epochs,
        initial_epoch: done,
        batch_size: a.batch_size as usize,
        validation_split: a.validation_split,
        // A resumed run shuffles as the run that wrote the checkpoint did.
        shuffle: match a.resume {
            Some(_) => model.shuffles(),
            None => !a.no_shuffle,
        },
        verbose: match (a.json, a.quiet) {
            (true, _) => Verbose::Silent,
            (false, true) => Verbose::Lines,
            _ => Verbose::Auto,
        },
        stop: Some(stop),
        early_stopping: a.early_stopping_patience.map(|patience| EarlyStopping {
            patience,
            restore_best_weights: a.restore_best_weights,
            ..EarlyStopping::default()
        }),
        reduce_lr_on_plateau: a.reduce_lr_patience.map(|patience| ReduceLROnPlateau {
            patience,
            ..ReduceLROnPlateau::default()
        }),
    };
    let device = model.device().clone();
    let gpu = device.gpu().filter(|_| a.profile);
    if let Some(g) = gpu {
        g.set_profiling(true);
    }
    let json = a.json;
    // The pictures say which model was trained on what.
    let model_name = match (&a.resume, &a.weights) {
        (Some(p), _) => model_label(&p.display().to_string()),
        (None, Some(w)) => format!(
            "{} from {}",
            model_label(a.model.as_deref().unwrap_or("model")),
            model_label(&w.display().to_string())
        ),
        (None, None) => model_label(a.model.as_deref().unwrap_or("mlp")),
    };
    let about = format!(
        "{model_name} on {}: {} training, {} validation images",
        data.source,
        split,
        n - split
    );
    let mut best = a.save_best.then(|| {
        let mut c = ModelCheckpoint::best_only(out.join("best.safetensors"));
        c.best = c.best_of(model.epoch_logs());
        c
    });
    let fitted = model.fit_checkpointed(&x, &y, &opts, |m, log| {
        // The checkpoint and the history that describes it are written first and renamed
        // together, so a run killed at any moment has a history that matches its
        // checkpoint (but for the microseconds between the renames). The checkpoint goes
        // last: replacing it frees the old file's blocks, the slowest rename of the
        // three, and a kill during the last rename no longer splits them.
        seconds.insert(log.epoch, log.seconds);
        let mut files = StagedWrites::default();
        stage_history(&mut files, out, m.epoch_logs(), &seconds)?;
        files.stage(&checkpoint, &m.checkpoint_bytes(&checkpoint)?)?;
        files.commit()?;
        if let Some(c) = best.as_mut() {
            c.on_epoch_end(m, log)?;
        }
        wgtrain::plot::training_curves(out.join("training.png"), m.epoch_logs(), &about)?;
        if json {
            println!("{}", serde_json::to_string(log).expect("epoch log"));
        }
        Ok(())
    });
    if let Err(Error::Interrupted { epoch, step, steps }) = fitted {
        report_interrupt(a, out, epoch, step, steps);
    }
    let history = fitted?;
    if let Some(e) = history.stopped_epoch {
        say(format!(
            "early stopping after epoch {e}: val_loss stopped improving"
        ));
    }
    if a.restore_best_weights {
        model.save(&checkpoint)?;
        say(format!(
            "restored the best epoch's weights into {}",
            checkpoint.display()
        ));
    }
    if let Some(p) = gpu.and_then(|g| g.profile()) {
        let steps: usize = history.epochs.iter().map(|e| e.steps).sum();
        let table = p.table(Some(steps as u64));
        match json {
            true => eprintln!("{table}"),
            false => println!("{table}(per training step of fit, validation included)"),
        }
        gpu.expect("profiling").set_profiling(false);
    }

    let t = Instant::now();
    let evaluation = model.evaluate(&x_test, &y_test)?;
    let eval_s = t.elapsed().as_secs_f64();
    let probs = predict_probabilities(&model, &x_test)?;
    let about_test = match &a.data_dir {
        None => format!(
            "{model_name} on the {} test set in {} ({} images, index = position in the file)",
            a.dataset.title(),
            a.dataset.dir(a.data.as_deref()).display(),
            test.len()
        ),
        Some(d) => format!(
            "{model_name} on the {test_name} images of {} ({}; index = position after the \
             seeded shuffle)",
            d.display(),
            test.len()
        ),
    };
    // Pictures of classes: not for a regression.
    if data.targets.is_none() {
        crate::eval::Report::new(&test, &probs, model.class_names()).write_pictures(
            out,
            &test,
            &about_test,
        )?;
    }
    let test = evaluation;
    let logs = model.epoch_logs();
    if a.json {
        println!(
            "{}",
            crate::json_out::shortest_f32s(serde_json::json!({
                "test_loss": test.loss,
                "test_accuracy": test.accuracy,
                "test_top_k_categorical_accuracy": test.top_k_categorical_accuracy,
                "test_samples": x_test.rows(),
                "test_set": test_name,
                "seconds_per_epoch": logs.iter().map(|e| seconds.get(&e.epoch).copied()).collect::<Vec<_>>(),
                "adapter": model.device().name(),
                "checkpoint": checkpoint.display().to_string(),
            }))
        );
    } else {
        let top_k = test.top_k_categorical_accuracy.map_or(String::new(), |t| {
            format!(" - test_top_k_categorical_accuracy: {t:.4}")
        });
        let (what, pictures) = match (&a.csv, &data.targets) {
            (Some(_), Some(_)) => ("rows", ""),
            (Some(_), None) => ("rows", ", confusion.png"),
            (None, _) => ("images", ", confusion.png, most_wrong.png"),
        };
        let accuracy = test
            .accuracy
            .map_or(String::new(), |acc| format!(" - test_accuracy: {acc:.4}"));
        println!(
            "test_loss: {:.4}{accuracy}{top_k} ({} {test_name} {what}, evaluated in \
             {eval_s:.1}s)",
            test.loss,
            x_test.rows()
        );
        println!(
            "wrote {} (resume with --resume), {}model.json, history.json, history.csv, \
             training.png{pictures} in {}",
            checkpoint.display(),
            if a.save_best {
                "best.safetensors, "
            } else {
                ""
            },
            out.display()
        );
    }
    Ok(())
}

/// Where the run stopped, what the checkpoint holds and the exact command that resumes it.
fn report_interrupt(a: &TrainArgs, out: &Path, epoch: usize, step: usize, steps: usize) {
    let checkpoint = out.join("checkpoint.safetensors");
    let at = match step < steps {
        true => format!("at step {step} of {steps}"),
        false => "during validation".to_string(),
    };
    eprintln!("wgtrain: training stopped in epoch {epoch} {at}.");
    if !checkpoint.exists() {
        eprintln!(
            "no epoch was complete, so nothing was saved (and {} was left as it was or \
             removed); start again with the same command",
            out.display()
        );
        return;
    }
    eprintln!(
        "{} holds epoch {} (complete and intact). Resume with:",
        checkpoint.display(),
        epoch - 1
    );
    let mut cmd = vec![
        "wgtrain".to_string(),
        "train".into(),
        "--resume".into(),
        quote(&checkpoint.display().to_string()),
        "--epochs".into(),
        a.epochs.to_string(),
    ];
    let mut flag = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            cmd.push(name.into());
            cmd.push(quote(&v));
        }
    };
    flag(
        "--dataset",
        (a.dataset != wgtrain::data::Dataset::Mnist).then(|| a.dataset.name().to_string()),
    );
    flag("--data", a.data.as_ref().map(|d| d.display().to_string()));
    flag(
        "--data-dir",
        a.data_dir.as_ref().map(|d| d.display().to_string()),
    );
    flag("--lr", a.lr.map(|lr| lr.to_string()));
    flag(
        "--device",
        matches!(a.device, DeviceKind::Cpu).then(|| "cpu".into()),
    );
    flag(
        "--batch-size",
        (a.batch_size != 32).then(|| a.batch_size.to_string()),
    );
    flag(
        "--validation-split",
        (a.validation_split != 0.2).then(|| a.validation_split.to_string()),
    );
    flag("--limit", a.limit.map(|n| n.to_string()));
    flag("--test-limit", a.test_limit.map(|n| n.to_string()));
    if a.json {
        cmd.push("--json".into());
    }
    if a.quiet {
        cmd.push("--quiet".into());
    }
    if a.strict {
        cmd.push("--strict".into());
    }
    eprintln!("  {}", cmd.join(" "));
}

/// `s` as one shell word.
fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
    match plain {
        true => s.to_string(),
        false => format!("'{}'", s.replace('\'', r"'\''")),
    }
}

/// `fit`'s options with only the validation split set: what decides the training rows.
pub(crate) fn split_of(validation_split: f32) -> FitOptions {
    FitOptions {
        validation_split,
        ..FitOptions::default()
    }
}
