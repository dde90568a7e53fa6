//! Learning-rate schedules: each against values Keras 3.15.1 computed (TensorFlow 2.21's
//! `keras.optimizers.schedules`, printed for the steps below), fit following the schedule
//! step by step (the same weights as changing the rate by hand at the boundary), the rate
//! in the epoch log, and the combinations Keras refuses.

mod common;

use common::randn;
use wgtrain::nn::{
    callbacks::ReduceLROnPlateau, layers::Dense, to_categorical, Activation, Array, Device,
    FitOptions, LearningRateSchedule, Loss, Metric, Optimizer, Sequential, Verbose,
};

const STEPS: [u64; 12] = [0, 1, 6, 7, 8, 10, 11, 20, 21, 25, 30, 100];

#[allow(clippy::excessive_precision)]
fn keras_values() -> Vec<(LearningRateSchedule, [f64; 12])> {
    vec![
        (
            LearningRateSchedule::exponential_decay(0.1, 7, 0.5),
            [
                0.10000000149011612,
                0.09057236462831497,
                0.05520447716116905,
                0.05000000074505806,
                0.045286182314157486,
                0.037149857729673386,
                0.033647503703832626,
                0.013801119290292263,
                0.012500000186264515,
                0.008411875925958157,
                0.005127096548676491,
                5.0069302233168855e-06,
            ],
        ),
        (
            LearningRateSchedule::ExponentialDecay {
                initial_learning_rate: 0.1,
                decay_steps: 7,
                decay_rate: 0.5,
                staircase: true,
            },
            [
                0.1,
                0.1,
                0.1,
                0.05,
                0.05,
                0.05,
                0.05,
                0.025,
                0.0125,
                0.0125,
                0.00625,
                6.10351571594947e-06,
            ],
        ),
        (
            LearningRateSchedule::cosine_decay(0.01, 25, 0.1),
            [
                0.009999999776482582,
                0.009964516386389732,
                0.008780359290540218,
                0.008368408307433128,
                0.00791122019290924,
                0.006890576332807541,
                0.006343215703964233,
                0.001859423122368753,
                0.0015566200017929077,
                0.0010000000474974513,
                0.0010000000474974513,
                0.0010000000474974513,
            ],
        ),
        (
            LearningRateSchedule::piecewise_constant_decay(&[10, 20], &[0.1, 0.02, 0.005]),
            [
                0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.02, 0.02, 0.005, 0.005, 0.005, 0.005,
            ],
        ),
    ]
}

#[test]
fn schedules_give_keras_rates() {
    for (s, want) in keras_values() {
        for (&step, &w) in STEPS.iter().zip(&want) {
            let got = s.learning_rate(step) as f64;
            assert!(
                (got - w).abs() <= 1e-6 * w,
                "{} at step {step}: {got} vs Keras {w}",
                s.name()
            );
        }
    }
}

#[test]
fn bad_schedules_are_refused_with_the_argument_named() {
    for (s, says) in [
        (
            LearningRateSchedule::exponential_decay(0.1, 0, 0.5),
            "decay_steps",
        ),
        (
            LearningRateSchedule::exponential_decay(-1.0, 5, 0.5),
            "initial_learning_rate",
        ),
        (
            LearningRateSchedule::exponential_decay(0.1, 5, f32::NAN),
            "decay_rate",
        ),
        (LearningRateSchedule::cosine_decay(0.1, 5, 2.0), "alpha"),
        (
            LearningRateSchedule::piecewise_constant_decay(&[5], &[0.1]),
            "one more value",
        ),
        (
            LearningRateSchedule::piecewise_constant_decay(&[5, 5], &[0.1; 3]),
            "increase",
        ),
        (
            LearningRateSchedule::piecewise_constant_decay(&[5], &[0.1, 0.0]),
            "positive",
        ),
    ] {
        let mut m = model(Device::Cpu);
        let e = m
            .compile(
                Optimizer::adam().learning_rate_schedule(s.clone()),
                Loss::CategoricalCrossentropy,
                &[],
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains(says) && e.contains(s.name()), "{s:?}: {e}");
    }
}

/// 80 samples of 6 features, 3 classes.
fn data() -> (Array, Array) {
    let n = 80;
    let x = randn(4, n * 6, 1.0);
    let labels: Vec<u8> = (0..n)
        .map(|i| ((x[i * 6] + x[i * 6 + 1] > 0.0) as u8) + (x[i * 6 + 2] > 0.5) as u8)
        .collect();
    (
        Array::new(&[n, 6], x).unwrap(),
        to_categorical(&labels, 3).unwrap(),
    )
}

fn model(dev: Device) -> Sequential {
    let mut m = Sequential::new(dev, &[6]).with_seed(11);
    m.add(Dense::new(8, Activation::Relu)).unwrap();
    m.add(Dense::new(3, Activation::Softmax)).unwrap();
    m
}

fn opts(epochs: usize, initial_epoch: usize) -> FitOptions {
    // 80 samples in batches of 8: 10 steps per epoch.
    FitOptions {
        epochs,
        initial_epoch,
        batch_size: 8,
        shuffle: true,
        verbose: Verbose::Silent,
        ..FitOptions::default()
    }
}

fn weights(m: &Sequential) -> Vec<Vec<u32>> {
    let w = m.get_weights().unwrap();
    w.iter()
        .map(|w| w.array.data.iter().map(|v| v.to_bits()).collect())
        .collect()
}

#[test]
fn fit_follows_the_schedule_step_by_step() {
    let (x, y) = data();
    for dev in [Some(Device::Cpu), common::gpu_device()]
        .into_iter()
        .flatten()
    {
        let compile = |m: &mut Sequential, opt: wgtrain::nn::ClippedOptimizer| {
            m.compile(opt, Loss::CategoricalCrossentropy, &[Metric::Accuracy])
                .unwrap()
        };
        // By hand: 10 steps at 0.1, then 10 at 0.01.
        let mut by_hand = model(dev.clone());
        compile(&mut by_hand, Optimizer::sgd(0.1, 0.9).into());
        by_hand.fit(&x, &y, &opts(1, 0)).unwrap();
        by_hand.set_learning_rate(0.01).unwrap();
        by_hand.fit(&x, &y, &opts(2, 1)).unwrap();
        // The schedule: step ≤ 9 → 0.1 (the first 10 updates), then 0.01.
        let schedule = LearningRateSchedule::piecewise_constant_decay(&[9], &[0.1, 0.01]);
        let mut scheduled = model(dev.clone());
        compile(
            &mut scheduled,
            Optimizer::sgd(0.5, 0.9).learning_rate_schedule(schedule),
        );
        let h = scheduled.fit(&x, &y, &opts(2, 0)).unwrap();
        assert_eq!(weights(&by_hand), weights(&scheduled), "{}", dev.name());
        // The epoch log gives the rate of the next update.
        let rates: Vec<_> = h.epochs.iter().map(|e| e.learning_rate).collect();
        assert_eq!(rates, [Some(0.01), Some(0.01)]);
        // One boundary later the weights differ (the schedule is really followed).
        let late = LearningRateSchedule::piecewise_constant_decay(&[10], &[0.1, 0.01]);
        let mut other = model(dev.clone());
        compile(
            &mut other,
            Optimizer::sgd(0.5, 0.9).learning_rate_schedule(late),
        );
        other.fit(&x, &y, &opts(2, 0)).unwrap();
        assert_ne!(weights(&by_hand), weights(&other));
    }
}

#[test]
fn a_scheduled_rate_cannot_be_set_or_reduced_on_plateau() {
    let (x, y) = data();
    let mut m = model(Device::Cpu);
    let s = LearningRateSchedule::cosine_decay(0.01, 100, 0.0);
    m.compile(
        Optimizer::adam().learning_rate_schedule(s),
        Loss::CategoricalCrossentropy,
        &[],
    )
    .unwrap();
    let e = m.set_learning_rate(0.1).unwrap_err().to_string();
    assert!(e.contains("CosineDecay"), "{e}");
    let fit = FitOptions {
        validation_split: 0.25,
        reduce_lr_on_plateau: Some(ReduceLROnPlateau::default()),
        ..opts(2, 0)
    };
    let e = m.fit(&x, &y, &fit).unwrap_err().to_string();
    assert!(
        e.contains("ReduceLROnPlateau") && e.contains("CosineDecay"),
        "{e}"
    );
    assert!(m.epoch_logs().is_empty(), "nothing trained");
}
