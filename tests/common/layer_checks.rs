//! Shared by the layer test files: seeded data with smooth targets, every gradient a
//! layer's backward writes against central differences of the loss, and a model trained
//! on the GPU and on the CPU device agreeing step by step.

use wgtrain::nn::{Array, Device, Loss, NamedArray, Optimizer, Sequential};

/// `rows` seeded samples of `shape` and `outs` smooth targets of them.
pub fn data(seed: u64, rows: usize, shape: &[usize], outs: usize) -> (Array, Array) {
    let per: usize = shape.iter().product();
    let x = super::randn(seed, rows * per, 1.0);
    let y: Vec<f32> = x
        .chunks(per)
        .flat_map(|r| (0..outs).map(move |k| (r[k % per] * 0.7 + r[(k + 3) % per]).sin()))
        .collect();
    let mut xs = vec![rows];
    xs.extend_from_slice(shape);
    (
        Array::new(&xs, x).unwrap(),
        Array::new(&[rows, outs], y).unwrap(),
    )
}

/// The MSE with weight `w[t][index]` moved by `delta`.
pub fn loss_with(
    m: &mut Sequential,
    (x, y): &(Array, Array),
    w: &[NamedArray],
    (t, index): (usize, usize),
    delta: f32,
) -> f32 {
    let mut w = w.to_vec();
    w[t].array.data[index] += delta;
    m.set_weights(&w).unwrap();
    m.evaluate(x, y).unwrap().loss
}

/// One full-batch SGD step of rate 1 reads each gradient backward wrote; every weight of
/// the layers named by `prefixes` is compared with central differences of the loss.
/// Returns how many were checked.
pub fn finite_differences(m: &mut Sequential, xy: &(Array, Array), prefixes: &[&str]) -> usize {
    m.compile(Optimizer::sgd(1.0, 0.0), Loss::MeanSquaredError, &[])
        .unwrap();
    let w0 = m.get_weights().unwrap();
    m.train_on_batch(&xy.0, &xy.1).unwrap();
    let w1 = m.get_weights().unwrap();
    let eps = 1e-2f32;
    let (mut checked, mut largest, mut worst) = (0, 0f32, 0f32);
    for (t, (t0, t1)) in w0.iter().zip(&w1).enumerate() {
        if !prefixes.iter().any(|p| t0.name.starts_with(p)) {
            continue;
        }
        for i in 0..t0.array.data.len() {
            let analytic = t0.array.data[i] - t1.array.data[i];
            let up = loss_with(m, xy, &w0, (t, i), eps);
            let down = loss_with(m, xy, &w0, (t, i), -eps);
            let numeric = (up - down) / (2.0 * eps);
            let err = (analytic - numeric).abs();
            let tol = 1e-4 + 1e-2 * numeric.abs();
            assert!(
                err <= tol,
                "{}[{i}]: backward {analytic} vs finite differences {numeric} (|diff| {err})",
                t0.name
            );
            (checked, largest, worst) = (checked + 1, largest.max(numeric.abs()), worst.max(err));
        }
    }
    eprintln!("{checked} gradients checked; largest |g| {largest:.3e}, max |diff| {worst:.3e}");
    assert!(largest > 1e-2, "gradients this small would check nothing");
    checked
}

/// Five Adam steps of the model `build` makes on each device: every loss and weight agree,
/// and the weights named `trained` moved on both.
pub fn gpu_matches_cpu(build: fn(Device) -> Sequential, xy: &(Array, Array), trained: &[&str]) {
    let Some(gpu) = super::gpu_device() else {
        return;
    };
    let (atol, rtol) = (1e-5f32, 1e-3f32);
    let start = build(Device::Cpu).get_weights().unwrap();
    let mut models = [build(gpu), build(Device::Cpu)];
    for m in &mut models {
        m.compile(Optimizer::adam_lr(0.01), Loss::MeanSquaredError, &[])
            .unwrap();
    }
    let mut worst = 0f32;
    for step in 0..5 {
        let [g, c] = &mut models;
        let lg = g.train_on_batch(&xy.0, &xy.1).unwrap();
        let lc = c.train_on_batch(&xy.0, &xy.1).unwrap();
        assert!(
            (lg - lc).abs() <= atol + rtol * lc.abs(),
            "step {step}: loss gpu {lg} cpu {lc}"
        );
        worst = worst.max((lg - lc).abs());
    }
    let (wg, wc) = (
        models[0].get_weights().unwrap(),
        models[1].get_weights().unwrap(),
    );
    let mut worst_w = 0f32;
    for (g, c) in wg.iter().zip(&wc) {
        for (i, (a, b)) in g.array.data.iter().zip(&c.array.data).enumerate() {
            assert!(
                (a - b).abs() <= atol + rtol * b.abs(),
                "{}[{i}]: gpu {a} cpu {b}",
                g.name
            );
            worst_w = worst_w.max((a - b).abs());
        }
    }
    eprintln!("gpu vs cpu: losses max |Δ| {worst:e}, weights max |Δ| {worst_w:e}");
    for name in trained {
        let moved = |w: &[NamedArray]| {
            let (a, b) = (
                w.iter().find(|t| t.name == *name).unwrap(),
                start.iter().find(|t| t.name == *name).unwrap(),
            );
            a.array.data != b.array.data
        };
        assert!(moved(&wg) && moved(&wc), "{name} was not trained");
    }
    let (pg, pc) = (
        models[0].predict(&xy.0).unwrap(),
        models[1].predict(&xy.0).unwrap(),
    );
    super::assert_close("predict", &pg.data, &pc.data, atol, rtol);
}
