//! Learning-rate schedules on the device (`shaders/lr_schedule.wgsl`): the rate the kernel
//! writes from the step counter against the twin (`cpu::lr_schedule_forward`, f64) for
//! every schedule over steps across their boundaries.

use crate::prelude::*;
use wgtrain::nn::LearningRateSchedule;

#[test]
fn lr_schedule_matches_cpu() {
    let Some(g) = gpu() else { return };
    let schedules = [
        LearningRateSchedule::exponential_decay(0.1, 7, 0.5),
        LearningRateSchedule::ExponentialDecay {
            initial_learning_rate: 1e-3,
            decay_steps: 1000,
            decay_rate: 0.96,
            staircase: true,
        },
        LearningRateSchedule::cosine_decay(0.01, 25, 0.1),
        LearningRateSchedule::cosine_decay(0.5, 1, 0.0),
        // Near its end, where ½(1 + cos) is small and a naive formula loses digits.
        LearningRateSchedule::cosine_decay(0.5, 27, 0.0),
        LearningRateSchedule::piecewise_constant_decay(&[10, 20], &[0.1, 0.02, 0.005]),
        LearningRateSchedule::piecewise_constant_decay(&[], &[0.3]),
        LearningRateSchedule::piecewise_constant_decay(&[0, 1 << 40], &[0.1, 0.2, 0.3]),
    ];
    let lr = g.upload(&[1], &[0.0]).unwrap();
    for s in &schedules {
        let table = ops::lr_schedule_table(s);
        let table = g.upload_u32(&[table.len()], &table).unwrap();
        for counter in [
            1u32,
            2,
            7,
            8,
            9,
            10,
            11,
            12,
            21,
            22,
            25,
            26,
            1000,
            1001,
            5000,
            1 << 30,
        ] {
            let step = g.upload_u32(&[1], &[counter]).unwrap();
            ops::lr_schedule_forward(g, s, &step, &table, &lr).unwrap();
            let got = g.download(&lr).unwrap()[0];
            let want = cpu::lr_schedule_forward(s, counter as u64 - 1);
            assert!(
                (got - want).abs() <= 2e-6 * want.abs() + 1e-12,
                "{s:?} at counter {counter}: gpu {got} cpu {want}"
            );
        }
    }
    // Shape errors name the op.
    let s = &LearningRateSchedule::piecewise_constant_decay(&[10, 20], &[0.1, 0.02, 0.005]);
    let bad = g.upload_u32(&[1], &[0]).unwrap();
    let step = g.upload_u32(&[1], &[1]).unwrap();
    let e = ops::lr_schedule_forward(g, s, &step, &bad, &lr).unwrap_err();
    assert!(e.to_string().contains("lr_schedule_forward"), "{e}");
}
