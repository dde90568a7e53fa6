//! Keras-like progress output for `fit`: a bar per epoch on a terminal (steps, ETA,
//! running loss and accuracy), or one plain line per epoch otherwise.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::history::EpochLog;

/// How much `fit` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbose {
    /// A bar when stdout is a terminal, else one line per epoch (Keras's verbose="auto").
    #[default]
    Auto,
    /// Always the progress bar (verbose=1).
    Bar,
    /// One line per epoch (verbose=2).
    Lines,
    /// Nothing (verbose=0).
    Silent,
}

impl Verbose {
    /// Auto resolved against stdout.
    pub fn resolve(self) -> Verbose {
        match self {
            Verbose::Auto if std::io::stdout().is_terminal() => Verbose::Bar,
            Verbose::Auto => Verbose::Lines,
            v => v,
        }
    }
}

/// Progress of one epoch.
pub(crate) struct EpochProgress {
    bar: Option<ProgressBar>,
    mode: Verbose,
    ticking: std::cell::Cell<bool>,
}

impl EpochProgress {
    pub fn start(mode: Verbose, epoch: usize, epochs: usize, steps: usize) -> EpochProgress {
        let bar = (mode == Verbose::Bar).then(|| {
            // A closed stdout is not fit's concern: lines are dropped, never a panic.
            let _ = writeln!(std::io::stdout().lock(), "Epoch {epoch}/{epochs}");
            // Hidden until the first reading gives the loss, so the first frame drawn is
            // complete (position, ETA, loss and accuracy).
            let bar =
                ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template(
                    "{pos:>5}/{len} [{bar:30.cyan/blue}] {elapsed} (ETA {eta}) - {msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        });
        EpochProgress {
            bar,
            mode,
            ticking: std::cell::Cell::new(false),
        }
    }

    /// True when a running loss is worth reading back (a bar is showing).
    pub fn wants_metrics(&self) -> bool {
        self.bar.is_some()
    }

    pub fn step(&self, done: usize, loss: Option<f32>, accuracy: Option<f32>) {
        if let Some(bar) = &self.bar {
            if let Some(l) = loss {
                let mut msg = format!("loss: {l:.4}");
                if let Some(a) = accuracy {
                    msg += &format!(" - accuracy: {a:.4}");
                }
                bar.set_message(msg);
            }
            bar.set_position(done as u64);
            // The first reading shows the bar; a steady tick then keeps its elapsed time
            // and ETA moving between readings.
            if loss.is_some() && !self.ticking.replace(true) {
                bar.set_draw_target(ProgressDrawTarget::stdout());
                bar.enable_steady_tick(Duration::from_millis(200));
            }
        }
    }

    /// Leave the bar where it is (training stopped mid-epoch).
    pub fn abandon(&self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
        }
    }

    pub fn finish(self, log: &EpochLog) {
        let per_step = log.seconds * 1e3 / log.steps.max(1) as f64;
        match (self.mode, self.bar) {
            (_, Some(bar)) => {
                if !self.ticking.get() {
                    bar.set_draw_target(ProgressDrawTarget::stdout());
                }
                bar.set_position(log.steps as u64);
                bar.set_message(format!("{:.1}ms/step - {}", per_step, log.metrics_line()));
                bar.finish();
            }
            (Verbose::Lines, None) => {
                _ = writeln!(
                    std::io::stdout().lock(),
                    "Epoch {}/{} - {} steps - {:.1}s {:.1}ms/step - {}",
                    log.epoch,
                    log.epochs,
                    log.steps,
                    log.seconds,
                    per_step,
                    log.metrics_line()
                )
            }
            _ => {}
        }
    }
}
