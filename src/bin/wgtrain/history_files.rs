//! A run folder's history.json and history.csv: every epoch's log with its wall-clock
//! seconds (which checkpoints do not keep, so a resumed run takes them from here).

use std::collections::HashMap;
use std::path::Path;

use wgtrain::atomic_file::StagedWrites;
use wgtrain::nn::EpochLog;
use wgtrain::Result;

/// Seconds of the epochs already done, from the run folder's history.json (matched by
/// epoch number and loss), so a resumed run's history keeps them.
pub fn earlier_seconds(out: &Path, logs: &[EpochLog]) -> HashMap<usize, f64> {
    let mut known = HashMap::new();
    let Ok(text) = std::fs::read_to_string(out.join("history.json")) else {
        return known;
    };
    let Ok(saved) = serde_json::from_str::<Vec<serde_json::Value>>(&text) else {
        return known;
    };
    for (log, v) in logs.iter().zip(&saved) {
        let same = v["epoch"].as_u64() == Some(log.epoch as u64)
            && v["loss"].as_f64().map(|l| l as f32) == Some(log.loss);
        if let (true, Some(s)) = (same, v["seconds"].as_f64()) {
            known.insert(log.epoch, s);
        }
    }
    known
}

/// history.json (a list of epoch logs) and history.csv, for every epoch so far, staged in
/// `files` (committed with the checkpoint they describe); seconds from `seconds` (unknown
/// ones are null / empty).
pub fn stage_history(
    files: &mut StagedWrites,
    out: &Path,
    logs: &[EpochLog],
    seconds: &HashMap<usize, f64>,
) -> Result<()> {
    let logs: Vec<EpochLog> = logs
        .iter()
        .map(|e| EpochLog {
            seconds: seconds.get(&e.epoch).copied().unwrap_or(f64::NAN),
            ..e.clone()
        })
        .collect();
    let json = serde_json::to_string_pretty(&logs).expect("epoch logs");
    files.stage(out.join("history.json"), json.as_bytes())?;
    let opt = |v: Option<f32>| v.map_or(String::new(), |v| v.to_string());
    // Top-k columns only for runs compiled with it, so other runs' files stay as they were.
    let top_k = logs.iter().any(|e| e.top_k_categorical_accuracy.is_some());
    let mut csv =
        String::from("epoch,loss,accuracy,val_loss,val_accuracy,steps,seconds,learning_rate");
    if top_k {
        csv += ",top_k_categorical_accuracy,val_top_k_categorical_accuracy";
    }
    csv += "\n";
    for e in &logs {
        let secs = match e.seconds.is_finite() {
            true => format!("{:.3}", e.seconds),
            false => String::new(),
        };
        csv += &format!(
            "{},{},{},{},{},{},{secs},{}",
            e.epoch,
            e.loss,
            opt(e.accuracy),
            opt(e.val_loss),
            opt(e.val_accuracy),
            e.steps,
            opt(e.learning_rate),
        );
        if top_k {
            let (t, v) = (
                e.top_k_categorical_accuracy,
                e.val_top_k_categorical_accuracy,
            );
            csv += &format!(",{},{}", opt(t), opt(v));
        }
        csv += "\n";
    }
    files.stage(out.join("history.csv"), csv.as_bytes())
}
