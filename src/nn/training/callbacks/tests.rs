//! The callbacks' rules on constructed histories.

use super::*;

fn log(epoch: usize, val_loss: f32) -> EpochLog {
    EpochLog {
        epoch,
        epochs: 10,
        loss: 1.0,
        accuracy: Some(0.5),
        val_loss: Some(val_loss),
        val_accuracy: Some(1.0 - val_loss),
        top_k_categorical_accuracy: None,
        val_top_k_categorical_accuracy: None,
        steps: 1,
        learning_rate: None,
        seconds: 0.0,
    }
}

/// Runs a constructed history through the callback: (the epoch it stops after, the
/// best epoch).
fn run(config: EarlyStopping, values: &[f32]) -> (Option<usize>, usize) {
    let mut s = EarlyStoppingState::new(config);
    for (i, &v) in values.iter().enumerate() {
        let stop = s.update(&log(i + 1, v), i == 0, || Ok(i + 1)).unwrap();
        if stop {
            return (Some(i + 1), s.best_epoch);
        }
    }
    (None, s.best_epoch)
}

/// Keras's rule: `wait` counts epochs since the last improvement beyond min_delta,
/// training stops once wait ≥ patience (never after the first epoch).
#[test]
fn stops_where_keras_does() {
    let values = [1.0, 0.9, 0.95, 0.93, 0.92, 0.5];
    assert_eq!(run(EarlyStopping::patience(3), &values), (Some(5), 2));
    assert_eq!(run(EarlyStopping::patience(4), &values), (None, 6));
    // patience 0 stops at the first epoch that does not improve.
    assert_eq!(run(EarlyStopping::patience(0), &values), (Some(3), 2));
    // 0.93 → 0.92 is no improvement of 0.05 over 0.9.
    let delta = EarlyStopping {
        min_delta: 0.05,
        ..EarlyStopping::patience(2)
    };
    assert_eq!(run(delta, &values), (Some(4), 2));
    // Accuracy is maximised (mode auto).
    let acc = EarlyStopping {
        monitor: "val_accuracy".into(),
        ..EarlyStopping::patience(1)
    };
    assert_eq!(run(acc, &[0.5, 0.4, 0.45]), (Some(3), 2));
    let max_loss = EarlyStopping {
        mode: Mode::Max,
        ..EarlyStopping::patience(1)
    };
    assert_eq!(run(max_loss, &values), (Some(2), 1));
}

#[test]
fn best_weights_are_those_of_the_best_epoch() {
    let config = EarlyStopping {
        restore_best_weights: true,
        ..EarlyStopping::patience(2)
    };
    let mut s = EarlyStoppingState::new(config);
    for (i, v) in [0.8, 0.6, 0.7, 0.65].into_iter().enumerate() {
        s.update(&log(i + 1, v), i == 0, || Ok(i + 1)).unwrap();
    }
    assert_eq!((s.best_epoch, s.best_weights), (2, Some(2)));
}

#[test]
fn an_unknown_monitor_is_an_error() {
    let config = EarlyStopping {
        monitor: "val_auc".into(),
        ..EarlyStopping::default()
    };
    let e = config.value(&log(1, 0.5)).unwrap_err().to_string();
    assert!(e.contains("val_auc") && e.contains("val_loss"), "{e}");
}

/// Keras 3's ReduceLROnPlateau on a constructed history: a rate change after
/// `patience` epochs without an improvement beyond min_delta, then `cooldown` epochs in
/// which nothing counts, never below min_lr.
#[test]
fn reduce_lr_on_plateau_follows_keras() {
    let config = ReduceLROnPlateau {
        factor: 0.5,
        patience: 2,
        cooldown: 1,
        min_lr: 0.2,
        ..ReduceLROnPlateau::default()
    };
    let mut s = ReduceLROnPlateauState::new(config);
    let mut lr = 1.0;
    let mut rates = Vec::new();
    // 0.9 and 0.89995 are not improvements of 1e-4 over 0.9.
    for (i, v) in [0.9, 0.9, 0.89995, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]
        .into_iter()
        .enumerate()
    {
        if let Some(new) = s.update(&log(i + 1, v), lr).unwrap() {
            lr = new;
        }
        rates.push(lr);
    }
    // As Keras: the cooldown is counted down before the epoch is judged, so cooldown 1
    // only restarts the wait in the epoch after a change; min_lr stops the halving.
    assert_eq!(rates, [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]);
    let bad = ReduceLROnPlateau {
        factor: 1.5,
        ..ReduceLROnPlateau::default()
    };
    let e = ReduceLROnPlateauState::new(bad).update(&log(1, 0.5), 1.0);
    assert!(e.unwrap_err().to_string().contains("factor"));
}
