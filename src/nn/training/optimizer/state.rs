//! An optimizer's state on the model's device: its slots per parameter, the step counter
//! (Adam's with its exact bias corrections) and the learning rate. On the GPU every
//! parameter, gradient and slot lives in one arena each (`Gpu::arena`), so an update is
//! one dispatch; the CPU device updates tensor by tensor.

use super::Optimizer;
use crate::error::Result;
use crate::hyperparams::GradientClip;
use crate::hyperparams::LearningRateSchedule;
use crate::nn::device::tensor::Tensor;
use crate::nn::device::Device;
use crate::nn::training::param::Param;

/// Slots per parameter (Adam, AdamW: m and v; SGD: velocity; RMSprop: velocity and
/// momentum) and the step counter (Adam's: its step state, the counter and the exact
/// bias corrections, `cpu::adam_step`).
pub(crate) struct OptimizerState {
    step: Tensor,
    /// The step counter's value, which the host knows without reading it back (it
    /// records every step): what the epoch log's learning rate is computed at.
    steps: u64,
    /// This update's learning rate, on the device (one f32): the constant rate, written
    /// when it is set, or a schedule's, computed there from `step` before each update.
    lr: Tensor,
    /// The schedule's table for the device kernel (`ops::lr_schedule_table`).
    schedule_table: Option<Tensor>,
    slots: Vec<Vec<Tensor>>,
    /// The arenas the parameters' values, gradients and slots are ranges of (GPU), if
    /// they fit one binding.
    packed: Option<Packed>,
}

/// Every trainable parameter's value, gradient and each slot in one buffer apiece.
struct Packed {
    values: Tensor,
    grads: Tensor,
    /// One arena per slot name.
    slots: Vec<Tensor>,
}

impl OptimizerState {
    /// Zeroed state for `params`, with the optimizer's rate (or the schedule's) on the
    /// device.
    pub fn new(
        dev: &Device,
        opt: &Optimizer,
        schedule: Option<&LearningRateSchedule>,
        mut params: Vec<&mut Param>,
    ) -> Result<OptimizerState> {
        let per = Self::slot_names(opt).len();
        let (packed, slots) = match Self::pack(dev, per, &mut params)? {
            Some((packed, slots)) => (Some(packed), slots),
            None => {
                let slots = params
                    .iter()
                    .map(|p| (0..per).map(|_| dev.zeros(&p.shape)).collect())
                    .collect::<Result<_>>()?;
                (None, slots)
            }
        };
        let schedule_table = schedule
            .map(|s| {
                let table = crate::ops::lr_schedule_table(s);
                dev.upload_u32(&[table.len()], &table)
            })
            .transpose()?;
        let step = match opt {
            Optimizer::Adam(hp) | Optimizer::AdamW { adam: hp, .. } => dev.upload_u32(
                &[crate::cpu::ADAM_STATE_LEN],
                &crate::cpu::adam_state(0, hp),
            )?,
            _ => dev.counter()?,
        };
        Ok(OptimizerState {
            step,
            steps: 0,
            lr: dev.upload(&[1], &[opt.learning_rate()])?,
            schedule_table,
            slots,
            packed,
        })
    }

    /// Move the parameters into arenas (values copied in; gradients and `per` slots
    /// zeroed), when the device keeps arenas and they fit: the packed state and each
    /// parameter's slots (ranges of the slot arenas).
    fn pack(
        dev: &Device,
        per: usize,
        params: &mut [&mut Param],
    ) -> Result<Option<(Packed, Vec<Vec<Tensor>>)>> {
        let shapes: Vec<Vec<usize>> = params.iter().map(|p| p.shape.clone()).collect();
        let mut arenas = Vec::with_capacity(per + 2);
        for _ in 0..per + 2 {
            match dev.arena(&shapes)? {
                Some(a) => arenas.push(a),
                None => return Ok(None),
            }
        }
        let mut arenas = arenas.into_iter();
        let (values, value_views) = arenas.next().expect("values arena");
        let (grads, grad_views) = arenas.next().expect("gradients arena");
        for ((p, mut v), g) in params.iter_mut().zip(value_views).zip(grad_views) {
            dev.copy(&p.value, &mut v)?;
            p.value = v;
            p.grad = Some(g);
            p.packed = true;
        }
        let mut slots: Vec<Vec<Tensor>> = vec![Vec::with_capacity(per); params.len()];
        let mut slot_arenas = Vec::with_capacity(per);
        for (arena, views) in arenas {
            for (s, v) in slots.iter_mut().zip(views) {
                s.push(v);
            }
            slot_arenas.push(arena);
        }
        let packed = Packed {
            values,
            grads,
            slots: slot_arenas,
        };
        Ok(Some((packed, slots)))
    }

    /// Names of the per-parameter slots, in the order `slots` holds them.
    pub fn slot_names(opt: &Optimizer) -> &'static [&'static str] {
        match opt {
            Optimizer::Adam(_) | Optimizer::AdamW { .. } => &["m", "v"],
            Optimizer::Sgd(_) => &["velocity"],
            Optimizer::RmsProp(_) => &["velocity", "momentum"],
        }
    }

    /// The step counter: a u32 tensor whose first word counts the updates (Adam's has
    /// its bias corrections after it).
    pub fn step(&self) -> &Tensor {
        &self.step
    }

    /// Set the step counter (resuming from a checkpoint), and Adam's bias corrections
    /// for it, computed as `adam_step` would have.
    pub fn set_step(&mut self, dev: &Device, opt: &Optimizer, step: u32) -> Result<()> {
        match opt {
            Optimizer::Adam(hp) | Optimizer::AdamW { adam: hp, .. } => {
                dev.write_u32(&mut self.step, &crate::cpu::adam_state(step, hp))?
            }
            _ => dev.write_u32(&mut self.step, &[step])?,
        }
        self.steps = step as u64;
        Ok(())
    }

    /// Put a new constant rate on the device (not per step: `set_learning_rate`).
    pub fn set_rate(&mut self, dev: &Device, lr: f32) -> Result<()> {
        dev.write(&mut self.lr, &[lr])
    }

    /// The learning rate of the next update (Keras's `optimizer.learning_rate`): the
    /// schedule's at the step count, if any.
    pub fn learning_rate(&self, opt: &Optimizer, schedule: Option<&LearningRateSchedule>) -> f32 {
        schedule.map_or(opt.learning_rate(), |s| s.learning_rate(self.steps))
    }

    /// Per parameter (model order), its slots (order of `slot_names`).
    pub fn slots(&self) -> &[Vec<Tensor>] {
        &self.slots
    }

    pub fn slots_mut(&mut self) -> &mut [Vec<Tensor>] {
        &mut self.slots
    }

    /// One update of every parameter from its `grad` (clipped first, when asked), at the
    /// rate in the device's `lr` tensor (a schedule's computed there first).
    pub fn apply(
        &mut self,
        dev: &Device,
        opt: &Optimizer,
        clip: Option<GradientClip>,
        schedule: Option<&LearningRateSchedule>,
        params: Vec<&mut Param>,
    ) -> Result<()> {
        assert_eq!(params.len(), self.slots.len(), "optimizer state / params");
        match opt {
            Optimizer::Adam(hp) | Optimizer::AdamW { adam: hp, .. } => {
                dev.adam_step(&mut self.step, hp)?
            }
            _ => dev.counter_step(&mut self.step)?,
        }
        self.steps += 1;
        if let (Some(s), Some(table)) = (schedule, &self.schedule_table) {
            dev.lr_schedule_forward(s, &self.step, table, &mut self.lr)?;
        }
        let (step, lr) = (&self.step, &self.lr);
        if let Some(pk) = &mut self.packed {
            // Clipping is per gradient tensor (Keras clips each variable by its own norm).
            if let Some(c) = clip {
                for p in params {
                    dev.clip_update(p.grad.as_mut().expect("packed gradient"), c)?;
                }
            }
            return Self::update(
                dev,
                opt,
                &mut pk.values,
                &pk.grads,
                &mut pk.slots,
                [step, lr],
            );
        }
        for (p, slots) in params.into_iter().zip(self.slots.iter_mut()) {
            let grad = p.grad.as_mut().expect("apply before backward");
            if let Some(c) = clip {
                dev.clip_update(grad, c)?;
            }
            Self::update(dev, opt, &mut p.value, grad, slots, [step, lr])?;
        }
        Ok(())
    }

    /// One update of `value` (one parameter, or the values arena) from `grad`.
    fn update(
        dev: &Device,
        opt: &Optimizer,
        value: &mut Tensor,
        grad: &Tensor,
        slots: &mut [Tensor],
        [step, lr]: [&Tensor; 2],
    ) -> Result<()> {
        match (opt, slots) {
            (Optimizer::Adam(hp), [m, v]) => dev.adam_update(value, grad, [m, v], step, lr, hp),
            (Optimizer::AdamW { adam, weight_decay }, [m, v]) => {
                dev.weight_decay_update(value, *weight_decay, lr)?;
                dev.adam_update(value, grad, [m, v], step, lr, adam)
            }
            (Optimizer::Sgd(hp), [vel]) => dev.sgd_update(value, grad, vel, lr, hp),
            (Optimizer::RmsProp(hp), [vel, mom]) => {
                dev.rmsprop_update(value, grad, [vel, mom], lr, hp)
            }
            _ => unreachable!("slots match the optimizer"),
        }
    }
}
