//! [`ModelCheckpoint`]'s save step: the callback's rule (what to monitor, when an epoch is
//! the best) is plain data in `callbacks`; saving the model is the checkpoint's job, so
//! it lives here and the callbacks need not know the model.

use crate::error::Result;
use crate::history::EpochLog;
use crate::nn::model::sequential::Sequential;
use crate::nn::training::callbacks::ModelCheckpoint;

impl ModelCheckpoint {
    /// After an epoch: save `model` (atomically) if it is to be saved; true when it was.
    pub fn on_epoch_end(&mut self, model: &Sequential, log: &EpochLog) -> Result<bool> {
        let rule = self.rule();
        let value = rule.value(log)?;
        if self.save_best_only && !rule.improves(value, self.best) {
            return Ok(false);
        }
        model.save(&self.filepath)?;
        if rule.improves(value, self.best) {
            self.best = Some(value);
        }
        Ok(true)
    }
}
