//! The same numbers as Keras (issue 25 §1). The optimizers' updates, on the CPU device
//! and the GPU, against f64 references written here from Keras 3's own sources
//! (keras/src/optimizers/adam.py, adamw.py + base_optimizer.py's `_apply_weight_decay`,
//! rmsprop.py, sgd.py) and, for Adam's other ε form, from Kingma & Ba's Algorithm 1; with
//! gradients small enough (|g| ~ 1e-8) that where ε sits changes the step by orders of
//! magnitude, so each test also checks that the other formula would have failed it.
//! Checkpoints keep the form (one written before it existed loads as the paper's and
//! resumes bit for bit); the CLI takes `--adam-epsilon-form`.

mod common;

use common::{gpu_device, TempDir};
use wgtrain::nn::{
    layers::{Dense, Dropout},
    Activation, AdamParams, Array, Device, EpsilonForm, FitOptions, Initializer, Layer, LayerSpec,
    Loss, ModelSpec, NamedArray, Optimizer, RmsPropParams, Sequential, SgdParams, Tensor, Verbose,
};

/// The CPU device always, the GPU unless GPU tests are skipped.
fn devices() -> Vec<(&'static str, Device)> {
    let mut d = vec![("cpu", Device::Cpu)];
    d.extend(gpu_device().map(|g| ("gpu", g)));
    d
}

const N: usize = 37;
const STEPS: usize = 4;

/// Step `t`'s (0-based) gradients: element i has a fixed sign and a magnitude from 1e-9 to
/// 1 (a third of them about 1e-8, where ε = 1e-7 dominates √v), drifting a little per step;
/// the sign never changes, so a parameter starting at 0 sums same-signed steps and its
/// relative error stays that of one step.
fn grads(t: usize) -> Vec<f32> {
    (0..N)
        .map(|i| {
            let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
            let mag = match i % 3 {
                0 => 1e-8 * (1.0 + 0.37 * (i % 5) as f64),
                1 => 10f64.powf(-9.0 + 9.0 * i as f64 / N as f64),
                _ => 0.5 + 0.01 * i as f64,
            };
            (sign * mag * (1.0 + 0.1 * t as f64)) as f32
        })
        .collect()
}

fn g64(t: usize) -> Vec<f64> {
    grads(t).iter().map(|&g| g as f64).collect()
}

/// The hyper-parameters as the f32 values the optimizer holds, widened.
fn f(x: f32) -> f64 {
    x as f64
}

/// Keras's Adam.update_step (adam.py), one step t ≥ 1, in f64:
/// alpha = lr·√(1 − β2ᵗ)/(1 − β1ᵗ); m += (g − m)(1 − β1); v += (g² − v)(1 − β2);
/// θ −= m·alpha / (√v + ε).
fn keras_adam(p: &mut [f64], m: &mut [f64], v: &mut [f64], g: &[f64], t: i32, hp: &AdamParams) {
    let (lr, b1, b2, eps) = (f(hp.lr), f(hp.beta1), f(hp.beta2), f(hp.eps));
    let alpha = lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
    for i in 0..p.len() {
        m[i] += (g[i] - m[i]) * (1.0 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1.0 - b2);
        p[i] -= m[i] * alpha / (v[i].sqrt() + eps);
    }
}

/// Kingma & Ba's Algorithm 1 (PyTorch's Adam), one step t ≥ 1, in f64:
/// m̂ = m/(1 − β1ᵗ); v̂ = v/(1 − β2ᵗ); θ −= lr·m̂ / (√v̂ + ε).
fn paper_adam(p: &mut [f64], m: &mut [f64], v: &mut [f64], g: &[f64], t: i32, hp: &AdamParams) {
    let (lr, b1, b2, eps) = (f(hp.lr), f(hp.beta1), f(hp.beta2), f(hp.eps));
    for i in 0..p.len() {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        let m_hat = m[i] / (1.0 - b1.powi(t));
        let v_hat = v[i] / (1.0 - b2.powi(t));
        p[i] -= lr * m_hat / (v_hat.sqrt() + eps);
    }
}

/// Which f64 reference an update follows: (p, m, v, g, t, hp).
type AdamRef = fn(&mut [f64], &mut [f64], &mut [f64], &[f64], i32, &AdamParams);

/// The reference's parameters after each of STEPS steps from `p0`, with AdamW's
/// decoupled decay θ −= θ·wd·lr applied before (`decay_first`) or after each update.
fn reference(
    adam: AdamRef,
    hp: &AdamParams,
    p0: &[f32],
    wd: Option<f32>,
    decay_first: bool,
) -> Vec<Vec<f64>> {
    let mut p: Vec<f64> = p0.iter().map(|&x| x as f64).collect();
    let (mut m, mut v) = (vec![0.0; N], vec![0.0; N]);
    let decay = |p: &mut Vec<f64>| {
        if let Some(wd) = wd {
            p.iter_mut().for_each(|x| *x -= *x * f(wd) * f(hp.lr));
        }
    };
    (0..STEPS)
        .map(|t| {
            if decay_first {
                decay(&mut p);
            }
            adam(&mut p, &mut m, &mut v, &g64(t), t as i32 + 1, hp);
            if !decay_first {
                decay(&mut p);
            }
            p.clone()
        })
        .collect()
}

/// The device's parameters after each of STEPS Adam (AdamW with `wd`) updates from `p0`,
/// through the ops a model's optimizer calls.
fn device_adam(dev: &Device, hp: &AdamParams, p0: &[f32], wd: Option<f32>) -> Vec<Vec<f32>> {
    let mut p = dev.upload(&[N], p0).unwrap();
    let (mut m, mut v) = (dev.zeros(&[N]).unwrap(), dev.zeros(&[N]).unwrap());
    let state0 = wgtrain::cpu::adam_state(0, hp);
    let mut state = dev.upload_u32(&[state0.len()], &state0).unwrap();
    let lr = dev.upload(&[1], &[hp.lr]).unwrap();
    (0..STEPS)
        .map(|t| {
            let g: Tensor = dev.upload(&[N], &grads(t)).unwrap();
            dev.adam_step(&mut state, hp).unwrap();
            if let Some(wd) = wd {
                dev.weight_decay_update(&mut p, wd, &lr).unwrap();
            }
            dev.adam_update(&mut p, &g, [&mut m, &mut v], &state, &lr, hp)
                .unwrap();
            dev.download(&p).unwrap()
        })
        .collect()
}

/// |got − want| ≤ rtol·|want| + atol everywhere, else a panic naming the worst element.
#[track_caller]
fn assert_near(what: &str, got: &[f32], want: &[f64], rtol: f64, atol: f64) {
    let bad = (0..want.len())
        .filter(|&i| (got[i] as f64 - want[i]).abs() > rtol * want[i].abs() + atol)
        .max_by(|&a, &b| {
            let d = |i: usize| (got[i] as f64 - want[i]).abs() / (want[i].abs() + atol);
            d(a).total_cmp(&d(b))
        });
    if let Some(i) = bad {
        panic!(
            "{what}: element {i} (gradient {:e}) is {:e}, the reference {:e} (|Δ| {:e}, \
             allowed {:e})",
            grads(0)[i],
            got[i],
            want[i],
            (got[i] as f64 - want[i]).abs(),
            rtol * want[i].abs() + atol
        );
    }
}

/// True when `got` is outside the tolerance of `want` somewhere (the other formula).
fn differs(got: &[f64], want: &[f64], rtol: f64, atol: f64) -> bool {
    (0..want.len()).any(|i| (got[i] - want[i]).abs() > 100.0 * (rtol * want[i].abs() + atol))
}

#[test]
fn adam_in_each_epsilon_form_matches_its_f64_reference_for_tiny_gradients() {
    let p0 = vec![0.0f32; N];
    // Parameters start at 0, so every step's error shows in full: a few f32 roundings.
    let (rtol, atol) = (1e-5, 1e-30);
    for (form, own, other) in [
        (
            EpsilonForm::Keras,
            keras_adam as AdamRef,
            paper_adam as AdamRef,
        ),
        (EpsilonForm::Paper, paper_adam, keras_adam),
    ] {
        let hp = AdamParams {
            epsilon_form: form,
            ..AdamParams::default()
        };
        let want = reference(own, &hp, &p0, None, true);
        let not_want = reference(other, &hp, &p0, None, true);
        assert!(
            differs(&not_want[0], &want[0], rtol, atol),
            "the gradients must be small enough for the two forms to differ"
        );
        for (name, dev) in devices() {
            let got = device_adam(&dev, &hp, &p0, None);
            for (t, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_near(
                    &format!("{name} Adam {form:?} step {}", t + 1),
                    g,
                    w,
                    rtol,
                    atol,
                );
            }
        }
    }
}

#[test]
fn adam_defaults_are_keras_s() {
    let Optimizer::Adam(hp) = Optimizer::adam() else {
        panic!("Optimizer::adam() is Adam")
    };
    assert_eq!(hp, AdamParams::default());
    assert_eq!(
        (hp.lr, hp.beta1, hp.beta2, hp.eps, hp.epsilon_form),
        (1e-3, 0.9, 0.999, 1e-7, EpsilonForm::Keras),
        "keras.optimizers.Adam(): learning_rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7"
    );
    let Optimizer::AdamW { adam, weight_decay } = Optimizer::adamw() else {
        panic!("Optimizer::adamw() is AdamW")
    };
    assert_eq!((adam, weight_decay), (AdamParams::default(), 0.004));
}

/// Keras's AdamW: the base optimizer's `_apply_weight_decay` (θ −= θ·wd·lr) runs before
/// Adam's `update_step`. A large rate and decay make the order show.
#[test]
fn adamw_decays_then_updates_as_keras() {
    let p0: Vec<f32> = (0..N).map(|i| 1.0 + 0.05 * i as f32).collect();
    let (rtol, atol) = (1e-6, 1e-7);
    for form in [EpsilonForm::Keras, EpsilonForm::Paper] {
        let hp = AdamParams {
            lr: 0.1,
            epsilon_form: form,
            ..AdamParams::default()
        };
        let adam = match form {
            EpsilonForm::Keras => keras_adam as AdamRef,
            EpsilonForm::Paper => paper_adam,
        };
        let want = reference(adam, &hp, &p0, Some(0.5), true);
        let after = reference(adam, &hp, &p0, Some(0.5), false);
        assert!(
            differs(&after[0], &want[0], rtol, atol),
            "the order must show"
        );
        for (name, dev) in devices() {
            let got = device_adam(&dev, &hp, &p0, Some(0.5));
            for (t, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_near(
                    &format!("{name} AdamW {form:?} step {}", t + 1),
                    g,
                    w,
                    rtol,
                    atol,
                );
            }
        }
    }
}

/// Keras's RMSprop.update_step (rmsprop.py, not centered): v = ρv + (1 − ρ)g²;
/// increment = lr·g / √(v + ε); with momentum μ > 0: mom = μ·mom + increment, θ −= mom;
/// else θ −= increment. Tiny gradients make √(v + ε) and √v + ε differ a thousandfold.
#[test]
fn rmsprop_matches_keras_for_tiny_gradients() {
    let (rtol, atol) = (1e-5, 1e-30);
    for momentum in [0.0, 0.9] {
        let hp = RmsPropParams {
            momentum,
            ..RmsPropParams::default()
        };
        let reference = |eps_inside: bool| {
            let (lr, rho, mu, eps) = (f(hp.lr), f(hp.rho), f(hp.momentum), f(hp.eps));
            let (mut p, mut v, mut mom) = (vec![0.0f64; N], vec![0.0; N], vec![0.0; N]);
            let mut out = Vec::new();
            for t in 0..STEPS {
                let g = g64(t);
                for i in 0..N {
                    v[i] = rho * v[i] + (1.0 - rho) * g[i] * g[i];
                    let denom = match eps_inside {
                        true => (v[i] + eps).sqrt(),
                        false => v[i].sqrt() + eps,
                    };
                    let increment = lr * g[i] / denom;
                    if mu > 0.0 {
                        mom[i] = mu * mom[i] + increment;
                        p[i] -= mom[i];
                    } else {
                        p[i] -= increment;
                    }
                }
                out.push(p.clone());
            }
            out
        };
        let want = reference(true);
        assert!(differs(&reference(false)[0], &want[0], rtol, atol));
        for (name, dev) in devices() {
            let mut p = dev.zeros(&[N]).unwrap();
            let (mut v, mut mom) = (dev.zeros(&[N]).unwrap(), dev.zeros(&[N]).unwrap());
            let lr = dev.upload(&[1], &[hp.lr]).unwrap();
            for (t, w) in want.iter().enumerate() {
                let g = dev.upload(&[N], &grads(t)).unwrap();
                dev.rmsprop_update(&mut p, &g, [&mut v, &mut mom], &lr, &hp)
                    .unwrap();
                let what = format!("{name} RMSprop momentum {momentum} step {}", t + 1);
                assert_near(&what, &dev.download(&p).unwrap(), w, rtol, atol);
            }
        }
    }
}

/// Keras's SGD.update_step (sgd.py): m = μ·m − lr·g; Nesterov θ += μ·m − lr·g, else
/// θ += m; without momentum θ −= lr·g. (PyTorch's b = μ·b + g, θ −= lr·(g + μ·b) is the
/// same with m = −lr·b.) The test checks Nesterov's steps differ from plain momentum's.
#[test]
fn sgd_and_nesterov_match_keras() {
    let p0: Vec<f32> = (0..N).map(|i| 0.5 - 0.02 * i as f32).collect();
    let (rtol, atol) = (1e-6, 1e-7);
    for (momentum, nesterov) in [(0.0, false), (0.9, false), (0.9, true)] {
        let hp = SgdParams {
            lr: 0.1,
            momentum,
            nesterov,
        };
        let reference = |nesterov: bool| {
            let (lr, mu) = (f(hp.lr), f(hp.momentum));
            let mut p: Vec<f64> = p0.iter().map(|&x| x as f64).collect();
            let mut m = vec![0.0f64; N];
            let mut out = Vec::new();
            for t in 0..STEPS {
                let g = g64(t);
                for i in 0..N {
                    if mu == 0.0 {
                        p[i] -= g[i] * lr;
                        continue;
                    }
                    m[i] = m[i] * mu - g[i] * lr;
                    p[i] += match nesterov {
                        true => m[i] * mu - g[i] * lr,
                        false => m[i],
                    };
                }
                out.push(p.clone());
            }
            out
        };
        let want = reference(nesterov);
        if nesterov {
            assert!(differs(&reference(false)[1], &want[1], rtol, atol));
        }
        for (name, dev) in devices() {
            let mut p = dev.upload(&[N], &p0).unwrap();
            let mut vel = dev.zeros(&[N]).unwrap();
            let lr = dev.upload(&[1], &[hp.lr]).unwrap();
            for (t, w) in want.iter().enumerate() {
                let g = dev.upload(&[N], &grads(t)).unwrap();
                dev.sgd_update(&mut p, &g, &mut vel, &lr, &hp).unwrap();
                let what = format!("{name} SGD {hp:?} step {}", t + 1);
                assert_near(&what, &dev.download(&p).unwrap(), w, rtol, atol);
            }
        }
    }
}

/// A linear Dense(3) on 4 features, weights zeroed, for the model-level tests.
fn dense_model(dev: Device, opt: Optimizer) -> Sequential {
    let mut m = Sequential::new(dev, &[4]).with_seed(5);
    m.add(Dense::new(3, Activation::Linear)).unwrap();
    m.compile(opt, Loss::MeanSquaredError, &[]).unwrap();
    let zeros = |shape: &[usize]| Array::new(shape, vec![0.0; shape.iter().product()]).unwrap();
    m.set_weights(&[
        NamedArray {
            name: "layers.0.kernel".into(),
            array: zeros(&[4, 3]),
        },
        NamedArray {
            name: "layers.0.bias".into(),
            array: zeros(&[3]),
        },
    ])
    .unwrap();
    m
}

/// `compile(Optimizer::adam(), "mse")` trains as Keras would: inputs of ~1e-8 give the
/// kernel gradients of ~1e-8, and after three `train_on_batch` steps on either device
/// the kernel and bias are Keras's (the f64 model and Keras's Adam here), not the paper's.
#[test]
fn a_model_compiled_with_adam_trains_as_keras() {
    let rows = 5;
    let x: Vec<f32> = (0..rows * 4)
        .map(|i| 1e-8 * (1.0 + (i % 7) as f32 * 0.3))
        .collect();
    let y: Vec<f32> = (0..rows * 3).map(|i| 0.5 + 0.1 * (i % 4) as f32).collect();
    // The f64 model: pred = x·W + b; Keras's mse gradient 2(pred − y)/(rows·3).
    let train = |adam: AdamRef| {
        let hp = AdamParams::default();
        let (mut w, mut b) = (vec![0.0f64; 12], vec![0.0f64; 3]);
        let (mut mw, mut vw, mut mb, mut vb) =
            (vec![0.0; 12], vec![0.0; 12], vec![0.0; 3], vec![0.0; 3]);
        for t in 1..=3 {
            let (mut dw, mut db) = (vec![0.0f64; 12], vec![0.0f64; 3]);
            for r in 0..rows {
                for j in 0..3 {
                    let pred: f64 = b[j]
                        + (0..4)
                            .map(|k| x[r * 4 + k] as f64 * w[k * 3 + j])
                            .sum::<f64>();
                    let d = 2.0 * (pred - y[r * 3 + j] as f64) / (rows * 3) as f64;
                    db[j] += d;
                    (0..4).for_each(|k| dw[k * 3 + j] += d * x[r * 4 + k] as f64);
                }
            }
            adam(&mut w, &mut mw, &mut vw, &dw, t, &hp);
            adam(&mut b, &mut mb, &mut vb, &db, t, &hp);
        }
        [w, b]
    };
    let want = train(keras_adam);
    let paper = train(paper_adam);
    let (rtol, atol) = (1e-4, 1e-30);
    assert!(
        differs(&paper[0], &want[0], rtol, atol),
        "the kernel's gradients must be tiny"
    );
    let xa = Array::new(&[rows, 4], x.clone()).unwrap();
    let ya = Array::new(&[rows, 3], y.clone()).unwrap();
    for (name, dev) in devices() {
        let mut m = dense_model(dev, Optimizer::adam());
        for _ in 0..3 {
            m.train_on_batch(&xa, &ya).unwrap();
        }
        let w = m.get_weights().unwrap();
        for (got, want) in w.iter().zip(&want) {
            assert_near(
                &format!("{name} {}", got.name),
                &got.array.data,
                want,
                rtol,
                atol,
            );
        }
    }
}

/// The safetensors file at `path` with its `compile` metadata edited by `edit`.
fn edit_compile_metadata(path: &std::path::Path, edit: impl Fn(&mut serde_json::Value)) {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let meta = &mut header["__metadata__"];
    let mut compile: serde_json::Value =
        serde_json::from_str(meta["compile"].as_str().unwrap()).unwrap();
    edit(&mut compile);
    meta["compile"] = serde_json::Value::String(compile.to_string());
    let mut text = header.to_string().into_bytes();
    while !text.len().is_multiple_of(8) {
        text.push(b' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&text);
    out.extend_from_slice(&bytes[8 + n..]);
    std::fs::write(path, out).unwrap();
}

fn weights_of(m: &Sequential) -> Vec<Vec<f32>> {
    m.get_weights()
        .unwrap()
        .into_iter()
        .map(|w| w.array.data)
        .collect()
}

/// A checkpoint names its ε form; one written before the field existed (the same file
/// without it) loads as the paper's form it was trained with, and resumes bit for bit.
#[test]
fn checkpoints_keep_the_epsilon_form_and_old_ones_load_as_the_paper_s() {
    let dir = TempDir::new("keras-numbers-eps");
    let x = Array::new(&[6, 4], (0..24).map(|i| (i as f32 * 0.37).sin()).collect()).unwrap();
    let y = Array::new(&[6, 3], (0..18).map(|i| (i as f32 * 0.21).cos()).collect()).unwrap();
    let paper = Optimizer::Adam(AdamParams {
        eps: 1e-7,
        epsilon_form: EpsilonForm::Paper,
        ..AdamParams::default()
    });
    for opt in [Optimizer::adam(), paper] {
        let mut m = dense_model(Device::Cpu, opt);
        m.train_on_batch(&x, &y).unwrap();
        let path = dir.path("m.safetensors");
        m.save(&path).unwrap();
        let meta = wgtrain::nn::weights_file_metadata(&path).unwrap();
        let Optimizer::Adam(hp) = opt else {
            unreachable!()
        };
        let form = hp.epsilon_form.name();
        assert!(
            meta["compile"].contains(&format!("\"epsilon_form\":\"{form}\"")),
            "the checkpoint records the form: {}",
            meta["compile"]
        );
        let loaded = Sequential::load(&path, Device::Cpu).unwrap();
        assert_eq!(loaded.compiled_with().unwrap().0, opt);
    }
    // An older checkpoint: trained with the paper's form, no field.
    let mut whole = dense_model(Device::Cpu, paper);
    let mut first = dense_model(Device::Cpu, paper);
    whole.train_on_batch(&x, &y).unwrap();
    first.train_on_batch(&x, &y).unwrap();
    let path = dir.path("old.safetensors");
    first.save(&path).unwrap();
    edit_compile_metadata(&path, |c| {
        c["optimizer"]
            .as_object_mut()
            .unwrap()
            .remove("epsilon_form");
    });
    let meta = wgtrain::nn::weights_file_metadata(&path).unwrap();
    assert!(
        !meta["compile"].contains("epsilon_form"),
        "{}",
        meta["compile"]
    );
    let mut resumed = Sequential::load(&path, Device::Cpu).unwrap();
    assert_eq!(resumed.compiled_with().unwrap().0, paper);
    for _ in 0..3 {
        whole.train_on_batch(&x, &y).unwrap();
        resumed.train_on_batch(&x, &y).unwrap();
    }
    assert_eq!(
        weights_of(&whole),
        weights_of(&resumed),
        "resume is bit-identical"
    );
    // The control: the same file read as Keras's form trains elsewhere.
    let mut paper_again = Sequential::load(&path, Device::Cpu).unwrap();
    paper_again.train_on_batch(&x, &y).unwrap();
    edit_compile_metadata(&path, |c| c["optimizer"]["epsilon_form"] = "keras".into());
    let mut keras = Sequential::load(&path, Device::Cpu).unwrap();
    assert_eq!(keras.compiled_with().unwrap().0, Optimizer::adam());
    keras.train_on_batch(&x, &y).unwrap();
    assert_ne!(weights_of(&keras), weights_of(&paper_again));
}

/// 12 rows of 4 features and 3 targets.
fn rows12() -> (Array, Array) {
    let x = Array::new(&[12, 4], (0..48).map(|i| (i as f32 * 0.37).sin()).collect()).unwrap();
    let y = Array::new(&[12, 3], (0..36).map(|i| (i as f32 * 0.21).cos()).collect()).unwrap();
    (x, y)
}

fn fit_opts(epochs: usize, initial_epoch: usize, shuffle: bool) -> FitOptions {
    FitOptions {
        epochs,
        initial_epoch,
        batch_size: 4,
        shuffle,
        verbose: Verbose::Silent,
        ..FitOptions::default()
    }
}

/// Keras's `shuffle=False`: every epoch takes the rows in order, even after a shuffled
/// fit: two such epochs equal `train_on_batch` on rows 0–3, 4–7, 8–11, twice, bit for
/// bit; and the setting travels in the checkpoint, so a resumed run continues alike.
#[test]
fn shuffle_false_trains_on_the_rows_in_order_and_is_kept_in_checkpoints() {
    let (x, y) = rows12();
    let opt = Optimizer::sgd(0.05, 0.9);
    let start = || {
        let mut m = dense_model(Device::Cpu, opt);
        m.fit(&x, &y, &fit_opts(1, 0, true)).unwrap();
        m
    };
    let mut fitted = start();
    assert!(fitted.shuffles());
    let h = fitted.fit(&x, &y, &fit_opts(3, 1, false)).unwrap();
    assert!(!fitted.shuffles());
    let mut by_hand = start();
    let mut losses = Vec::new();
    for _ in 0..2 {
        let mut sum = 0.0;
        for b in 0..3 {
            let (xb, yb) = (
                x.slice_rows(4 * b, 4 * b + 4),
                y.slice_rows(4 * b, 4 * b + 4),
            );
            sum += by_hand.train_on_batch(&xb, &yb).unwrap() as f64;
        }
        losses.push(sum / 3.0);
    }
    assert_eq!(weights_of(&fitted), weights_of(&by_hand), "rows in order");
    for (e, want) in h.epochs.iter().zip(&losses) {
        assert!(
            (e.loss as f64 - want).abs() <= 1e-6 * want.abs(),
            "{} vs {want}",
            e.loss
        );
    }
    // The control: shuffled, the same epochs train elsewhere.
    let mut shuffled = start();
    shuffled.fit(&x, &y, &fit_opts(3, 1, true)).unwrap();
    assert_ne!(weights_of(&fitted), weights_of(&shuffled));

    // Saved mid-run and resumed with the model's own setting: the same as in one go.
    let dir = TempDir::new("keras-numbers-shuffle");
    let path = dir.path("m.safetensors");
    let mut first = start();
    first.fit(&x, &y, &fit_opts(2, 1, false)).unwrap();
    first.save(&path).unwrap();
    let mut resumed = Sequential::load(&path, Device::Cpu).unwrap();
    assert!(!resumed.shuffles(), "the checkpoint keeps shuffle=False");
    let again = fit_opts(3, 2, resumed.shuffles());
    resumed.fit(&x, &y, &again).unwrap();
    assert_eq!(weights_of(&fitted), weights_of(&resumed), "resume is exact");
    // A shuffled run's checkpoint says so (and files without the field shuffled).
    shuffled.save(&path).unwrap();
    assert!(Sequential::load(&path, Device::Cpu).unwrap().shuffles());
    let meta = wgtrain::nn::weights_file_metadata(&path).unwrap();
    assert!(
        !meta["training"].contains("shuffle\":"),
        "{}",
        meta["training"]
    );
}

/// `wgtrain train` on the repository's small regression table, on the CPU device.
fn train_csv(dir: &TempDir, out: &str, extra: &[&str]) -> std::process::Output {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let csv = root.join("examples/data/regression.csv");
    let model = root.join("models/regression.json");
    let (csv, model, out) = (
        csv.display().to_string(),
        model.display().to_string(),
        dir.s(out),
    );
    let mut args = vec![
        "train", "--csv", &csv, "--target", "y", "--device", "cpu", "--quiet", "--out", &out,
    ];
    if !extra.contains(&"--resume") {
        args.extend(["--model", &model, "--loss", "mse"]);
    }
    args.extend(extra);
    common::wgtrain(&args)
}

#[test]
fn the_command_takes_the_epsilon_form_and_no_shuffle_and_says_why_epochs_is_10() {
    let dir = TempDir::new("keras-numbers-cli");
    let compile = |run: &str| {
        wgtrain::nn::weights_file_metadata(dir.path(run).join("checkpoint.safetensors")).unwrap()
            ["compile"]
            .clone()
    };
    let o = train_csv(&dir, "keras", &["--epochs", "1"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        compile("keras").contains("\"epsilon_form\":\"keras\""),
        "{}",
        compile("keras")
    );
    let o = train_csv(
        &dir,
        "paper",
        &["--epochs", "1", "--adam-epsilon-form", "paper"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        compile("paper").contains("\"epsilon_form\":\"paper\""),
        "{}",
        compile("paper")
    );
    let o = train_csv(
        &dir,
        "sgd",
        &["--optimizer", "sgd", "--adam-epsilon-form", "paper"],
    );
    assert!(!o.status.success());
    assert!(
        common::stderr(&o).contains("--optimizer adam or adamw"),
        "{}",
        common::stderr(&o)
    );

    // --no-shuffle: 3 epochs in one go equal 2 + --resume + 1, and differ from shuffled.
    let ckpt = |run: &str| {
        let m = Sequential::load(dir.path(run).join("checkpoint.safetensors"), Device::Cpu);
        weights_of(&m.unwrap())
    };
    let o = train_csv(&dir, "whole", &["--epochs", "3", "--no-shuffle"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = train_csv(&dir, "parts", &["--epochs", "2", "--no-shuffle"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let part = dir.path("parts").join("checkpoint.safetensors");
    let o = train_csv(
        &dir,
        "parts",
        &["--epochs", "3", "--resume", &part.display().to_string()],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(ckpt("whole"), ckpt("parts"), "resume keeps --no-shuffle");
    let o = train_csv(&dir, "shuffled", &["--epochs", "3"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_ne!(ckpt("whole"), ckpt("shuffled"));

    let help = common::stdout(&common::wgtrain(&["train", "--help"]));
    let epochs = help.split("--epochs <EPOCHS>").nth(1).unwrap_or("");
    let epochs = epochs.split("\n      --").next().unwrap_or("");
    assert!(
        epochs.contains("Keras's fit defaults to 1") && epochs.contains("[default: 10]"),
        "{epochs}"
    );
    assert!(help.contains("--no-shuffle") && help.contains("--adam-epsilon-form"));
}

/// A model with the floats a Keras user types: Dropout 0.1, BatchNormalization momentum 0.9
/// and epsilon 0.001, LeakyReLU 0.3.
fn floaty_spec() -> ModelSpec {
    ModelSpec {
        input_shape: vec![6],
        layers: vec![
            LayerSpec::Dense {
                units: 4,
                activation: "linear".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
            LayerSpec::BatchNormalization {
                momentum: 0.9,
                epsilon: 0.001,
            },
            LayerSpec::LeakyReLU {
                negative_slope: 0.3,
            },
            LayerSpec::Dropout {
                rate: 0.1,
                seed: None,
            },
            LayerSpec::Dense {
                units: 2,
                activation: "softmax".into(),
                use_bias: true,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
                trainable: true,
                kernel_regularizer: None,
                bias_regularizer: None,
            },
        ],
        ..Default::default()
    }
}

/// Exported Keras JSON, the model description and a checkpoint's settings write each f32
/// as the shortest decimal that reads back to it (`0.9`, not `0.8999999761581421`), and
/// read back to the same f32s.
#[test]
fn floats_are_written_in_their_shortest_form() {
    let spec = floaty_spec();
    let keras = spec.to_keras_json();
    let native = spec.to_json();
    for text in [&keras, &native] {
        for short in [
            "\"rate\":0.1",
            "\"momentum\":0.9",
            "\"epsilon\":0.001",
            "\"negative_slope\":0.3",
        ] {
            assert!(text.contains(short), "{short} in {text}");
        }
        assert!(
            !text.contains("0.8999") && !text.contains("0.1000000"),
            "{text}"
        );
    }
    let v: serde_json::Value = serde_json::from_str(&keras).unwrap();
    assert_eq!(ModelSpec::from_keras_json(&v, "export").unwrap(), spec);
    assert_eq!(ModelSpec::from_json(&native, "description").unwrap(), spec);

    let dir = TempDir::new("keras-numbers-floats");
    let mut m = Sequential::from_spec(&spec, Device::Cpu, 1).unwrap();
    let opt = Optimizer::sgd(0.1, 0.9);
    m.compile(opt, Loss::CategoricalCrossentropy, &[]).unwrap();
    m.save(dir.path("m.safetensors")).unwrap();
    let meta = wgtrain::nn::weights_file_metadata(dir.path("m.safetensors")).unwrap();
    assert!(
        meta["compile"].contains("\"learning_rate\":0.1,\"momentum\":0.9"),
        "{}",
        meta["compile"]
    );
    assert!(meta["model"].contains("\"rate\":0.1"), "{}", meta["model"]);
    let loaded = Sequential::load(dir.path("m.safetensors"), Device::Cpu).unwrap();
    assert_eq!(loaded.compiled_with().unwrap().0, opt);
    assert_eq!(loaded.spec(), spec);
}

/// The training-mode output of a Dropout(0.5) on 256 ones, its weights drawn from a
/// model stream seeded `model_seed`.
fn dropped(layer: Dropout, model_seed: u64) -> Vec<f32> {
    use rand::SeedableRng;
    let mut layer = layer;
    let dev = Device::Cpu;
    layer.build(&[256]).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(model_seed);
    layer.init(&dev, &mut rng).unwrap();
    let x = dev.upload(&[1, 256], &[1.0; 256]).unwrap();
    dev.download(&layer.forward(&dev, &x).unwrap()).unwrap()
}

/// Keras's `Dropout(rate, seed=s)`: the seed alone gives the masks (the same for any
/// model seed, different for another seed), the other layers' weights do not move, and
/// the seed travels through descriptions and Keras JSON both ways.
#[test]
fn dropout_seed_is_honoured_in_rust_and_in_keras_json() {
    let seeded = |s| Dropout::new(0.5).with_seed(s);
    assert_eq!(dropped(seeded(7), 1), dropped(seeded(7), 2), "seed 7 alone");
    assert_ne!(dropped(seeded(7), 1), dropped(seeded(8), 1), "another seed");
    assert_ne!(dropped(Dropout::new(0.5), 1), dropped(Dropout::new(0.5), 2));
    let build = |d: Dropout| {
        let mut m = Sequential::new(Device::Cpu, &[8]).with_seed(4);
        m.add(Dense::new(5, Activation::Relu)).unwrap();
        m.add(d).unwrap();
        m.add(Dense::new(3, Activation::Softmax)).unwrap();
        m
    };
    let (plain, own) = (build(Dropout::new(0.5)), build(seeded(7)));
    assert_eq!(
        weights_of(&plain),
        weights_of(&own),
        "the other weights stay"
    );
    let spec = own.spec();
    assert_eq!(
        spec.layers[1],
        LayerSpec::Dropout {
            rate: 0.5,
            seed: Some(7)
        }
    );
    assert_eq!(ModelSpec::from_json(&spec.to_json(), "d").unwrap(), spec);
    let keras = spec.to_keras_json();
    assert!(keras.contains("\"seed\":7"), "{keras}");
    let v: serde_json::Value = serde_json::from_str(&keras).unwrap();
    assert_eq!(ModelSpec::from_keras_json(&v, "k").unwrap(), spec);
    // A Dropout without a seed writes none (initializers write Keras's `"seed": null`).
    let plain_keras: serde_json::Value =
        serde_json::from_str(&plain.spec().to_keras_json()).unwrap();
    let dropout = plain_keras["config"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["class_name"] == "Dropout")
        .unwrap();
    assert!(
        dropout["config"].get("seed").is_none_or(|s| s.is_null()),
        "{dropout}"
    );

    // Keras's own file: a seed on a Dropout is read; a bad one, or a seed on a layer
    // that has none, is refused by name.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keras/mnist_cnn_bn.json"
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let with = |class: &str, seed: serde_json::Value| {
        let mut v = file.clone();
        let layers = v["config"]["layers"].as_array_mut().unwrap();
        let l = layers
            .iter_mut()
            .find(|l| l["class_name"] == class)
            .unwrap();
        l["config"]["seed"] = seed;
        ModelSpec::from_keras_json(&v, "mnist_cnn_bn.json")
    };
    let spec = with("Dropout", 1234.into()).unwrap();
    let seeds: Vec<_> = spec
        .layers
        .iter()
        .filter_map(|l| match l {
            LayerSpec::Dropout { seed, .. } => Some(*seed),
            _ => None,
        })
        .collect();
    assert_eq!(seeds, [Some(1234), None, None]);
    assert!(with("Dropout", serde_json::Value::Null).is_ok());
    for bad in [
        serde_json::json!(-3),
        serde_json::json!("7"),
        serde_json::json!(1.5),
    ] {
        let e = with("Dropout", bad.clone()).unwrap_err().to_string();
        assert!(
            e.contains("`seed` must be a whole number") && e.contains("mnist_cnn_bn.json"),
            "{e}"
        );
    }
    let e = with("Flatten", 5.into()).unwrap_err().to_string();
    assert!(e.contains("seed") && e.contains("Flatten"), "{e}");
}
