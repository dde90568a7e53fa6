//! The fusion plan `compile` chooses (`Sequential::fusion_plan`, issue 24 item 4): for the
//! seed MLP and CNN on a device that fuses (a discrete GPU's no-op twin: no GPU needed) and
//! on the CPU device, for from_logits, for a layer written without any fusion method; and
//! that a new `compile` plans anew. And inference through `&Sequential` (`Layer::call`,
//! issue 24 item 2): `predict` / `evaluate` from two threads on one shared model, with
//! the numbers of the inference forward computed on the host.

mod common;

use std::sync::Arc;

use wgtrain::gpu::Gpu;
use wgtrain::nn::models::{mnist_cnn, mnist_mlp};
use wgtrain::nn::{
    layers::{BatchNormalization, Dense, Dropout},
    Activation, Array, Device, FusionPlan, Layer, LayerFusion, LayerSpec, Loss, Metric, NamedArray,
    Optimizer, Sequential, Tensor,
};
use wgtrain::Result;

fn fusing() -> Device {
    Device::Gpu(Arc::new(Gpu::noop_discrete().unwrap()))
}

fn compiled(mut m: Sequential, loss: impl Into<wgtrain::nn::LossConfig>) -> FusionPlan {
    m.compile(Optimizer::adam(), loss, &[Metric::Accuracy])
        .unwrap();
    m.fusion_plan().expect("compiled").clone()
}

/// A layer's part from a short code: l = output_logits, s = skip_relu_backward, m =
/// mask_input_relu, b = backward, d = need_dx.
fn part(code: &str) -> LayerFusion {
    LayerFusion {
        output_logits: code.contains('l'),
        skip_relu_backward: code.contains('s'),
        mask_input_relu: code.contains('m'),
        backward: code.contains('b'),
        need_dx: code.contains('d'),
    }
}

fn parts(codes: &[&str]) -> Vec<LayerFusion> {
    codes.iter().map(|c| part(c)).collect()
}

#[test]
fn the_seed_mlp_gets_the_planned_fusions() {
    // Flatten, Dense 64 ReLU, Dense 10 softmax: Flatten and nothing before the first
    // Dense runs backward, that Dense computes no dx and leaves its ReLU to the second,
    // whose softmax goes into the loss.
    let gpu = compiled(
        mnist_mlp(fusing(), 42, false).unwrap(),
        Loss::CategoricalCrossentropy,
    );
    assert_eq!(gpu.layers, parts(&["", "bs", "lmbd"]));
    assert!(gpu.one_dispatch_loss);
    // The CPU twins run every op: only the loss's softmax and the skipped dx remain.
    let cpu = compiled(
        mnist_mlp(Device::Cpu, 42, false).unwrap(),
        Loss::CategoricalCrossentropy,
    );
    assert_eq!(cpu.layers, parts(&["", "b", "lbd"]));
    assert!(!cpu.one_dispatch_loss);
}

#[test]
fn the_seed_cnn_gets_the_planned_fusions() {
    // Conv ReLU, MaxPool, Conv ReLU, MaxPool, Conv ReLU, Flatten, Dense ReLU, Dense softmax:
    // every ReLU's derivative is applied by the next pool or Dense (past the Flatten).
    let gpu = compiled(
        mnist_cnn(fusing(), 42).unwrap(),
        Loss::CategoricalCrossentropy,
    );
    let want = ["bs", "mbd", "sbd", "mbd", "sbd", "bd", "smbd", "lmbd"];
    assert_eq!(gpu.layers, parts(&want));
    assert!(gpu.one_dispatch_loss);
    let cpu = compiled(
        mnist_cnn(Device::Cpu, 42).unwrap(),
        Loss::CategoricalCrossentropy,
    );
    let want = ["b", "bd", "bd", "bd", "bd", "bd", "bd", "lbd"];
    assert_eq!(cpu.layers, parts(&want));
    // Sparse labels fuse the same way; top-k accuracy needs the plain loss ops.
    let sparse = compiled(
        mnist_cnn(fusing(), 42).unwrap(),
        Loss::SparseCategoricalCrossentropy,
    );
    assert_eq!(sparse, gpu);
    let mut m = mnist_cnn(fusing(), 42).unwrap();
    let top5 = [Metric::TopKCategoricalAccuracy(5)];
    m.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &top5)
        .unwrap();
    let plan = m.fusion_plan().unwrap();
    assert!(!plan.one_dispatch_loss);
    assert_eq!(plan.layers, gpu.layers);
}

#[test]
fn a_linear_output_from_logits_keeps_its_output() {
    let mut m = Sequential::new(fusing(), &[4]);
    m.add(Dense::new(8, Activation::Relu)).unwrap();
    m.add(Dense::new(3, Activation::Linear)).unwrap();
    assert!(m.fusion_plan().is_none(), "no plan before compile");
    let plan = compiled(m, Loss::CategoricalCrossentropy.from_logits());
    assert_eq!(plan.layers, parts(&["bs", "mbd"]));
    assert!(plan.one_dispatch_loss);
}

/// A layer written with only the required methods: it fuses nothing, and a ReLU before it
/// keeps its own backward.
struct Identity(Vec<usize>);

impl Layer for Identity {
    fn kind(&self) -> &'static str {
        "Activation"
    }
    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        self.0 = input_shape.to_vec();
        Ok(self.0.clone())
    }
    fn spec(&self) -> LayerSpec {
        LayerSpec::Activation {
            activation: "linear".into(),
        }
    }
    fn forward(&mut self, _dev: &Device, x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }
    fn call(&self, _dev: &Device, x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }
    fn backward(&mut self, _dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        Ok(need_dx.then(|| dy.clone()))
    }
}

fn with_identity(dev: Device) -> Sequential {
    let mut m = Sequential::new(dev, &[4]).with_seed(3);
    m.add(Dense::new(8, Activation::Relu)).unwrap();
    m.add(Identity(Vec::new())).unwrap();
    m.add(Dense::new(3, Activation::Softmax)).unwrap();
    m
}

#[test]
fn a_layer_without_fusion_methods_fuses_nothing_and_trains() {
    let plan = compiled(with_identity(fusing()), Loss::CategoricalCrossentropy);
    assert_eq!(plan.layers, parts(&["b", "bd", "lbd"]));
    // It trains: the loss falls on a few separable samples.
    let mut m = with_identity(Device::Cpu);
    m.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    let x = Array::new(&[3, 4], (0..12).map(|i| (i % 5) as f32 / 4.0).collect()).unwrap();
    let y = Array::new(&[3, 3], vec![1., 0., 0., 0., 1., 0., 0., 0., 1.]).unwrap();
    let first = m.train_on_batch(&x, &y).unwrap();
    let mut last = first;
    for _ in 0..30 {
        last = m.train_on_batch(&x, &y).unwrap();
    }
    assert!(last < first, "loss {first} → {last}");
}

/// `compile` again with another loss plans anew: the softmax that went into the
/// cross-entropy comes back for mse, and predict gives the same probabilities either way.
#[test]
fn a_new_compile_plans_anew() {
    let mut m = mnist_mlp(Device::Cpu, 42, true).unwrap();
    let x = Array::new(
        &[2, 784],
        (0..1568).map(|i| (i % 13) as f32 / 13.0).collect(),
    )
    .unwrap();
    m.compile(Optimizer::adam(), Loss::CategoricalCrossentropy, &[])
        .unwrap();
    assert!(m.fusion_plan().unwrap().layers[1].output_logits);
    let fused = m.predict(&x).unwrap();
    m.compile(Optimizer::adam(), Loss::MeanSquaredError, &[])
        .unwrap();
    assert_eq!(m.fusion_plan().unwrap().layers, parts(&["b", "bd"]));
    let plain = m.predict(&x).unwrap();
    assert_eq!(fused, plain);
    let sums: Vec<f32> = plain.data.chunks(10).map(|r| r.iter().sum()).collect();
    assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-5), "{sums:?}");
}

/// Dense ReLU → Dropout → BatchNormalization → Dense softmax, trained a few steps (so the
/// dropout counter and the moving statistics have moved), and its data.
fn trained_for_inference(dev: Device) -> (Sequential, Array, Array) {
    let mut m = Sequential::new(dev, &[5]).with_seed(11);
    m.add(Dense::new(7, Activation::Relu)).unwrap();
    m.add(Dropout::new(0.5)).unwrap();
    m.add(BatchNormalization::new()).unwrap();
    m.add(Dense::new(3, Activation::Softmax)).unwrap();
    m.compile(
        Optimizer::adam(),
        Loss::CategoricalCrossentropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    let x = Array::new(&[6, 5], common::randn(5, 30, 3.0)).unwrap();
    let y = Array::new(&[6, 3], common::one_hot(6, 6, 3)).unwrap();
    for _ in 0..3 {
        m.train_on_batch(&x, &y).unwrap();
    }
    (m, x, y)
}

/// The inference forward on the host from the model's weights: x·W0 + b0, ReLU, dropout
/// off, BatchNormalization with the moving statistics (epsilon 1e-3), x·W3 + b3, softmax.
fn host_inference(weights: &[NamedArray], x: &Array) -> Vec<f32> {
    let w = |name: &str| {
        let a = &weights.iter().find(|w| w.name == name).expect(name).array;
        (a.data.clone(), a.shape.clone())
    };
    let dense = |rows: &[Vec<f32>], layer: usize| -> Vec<Vec<f32>> {
        let (k, ks) = w(&format!("layers.{layer}.kernel"));
        let (b, _) = w(&format!("layers.{layer}.bias"));
        let (fan_in, units) = (ks[0], ks[1]);
        rows.iter()
            .map(|r| {
                (0..units)
                    .map(|u| b[u] + (0..fan_in).map(|i| r[i] * k[i * units + u]).sum::<f32>())
                    .collect()
            })
            .collect()
    };
    let rows: Vec<Vec<f32>> = x.data.chunks(5).map(|r| r.to_vec()).collect();
    let mut h = dense(&rows, 0);
    let [(g, _), (beta, _), (mean, _), (var, _)] =
        ["gamma", "beta", "moving_mean", "moving_variance"].map(|n| w(&format!("layers.2.{n}")));
    for r in &mut h {
        for (c, v) in r.iter_mut().enumerate() {
            let relu = v.max(0.0);
            *v = (relu - mean[c]) / (var[c] + 1e-3).sqrt() * g[c] + beta[c];
        }
    }
    let mut out = Vec::new();
    for r in dense(&h, 3) {
        let top = r.iter().copied().fold(f32::MIN, f32::max);
        let e: Vec<f32> = r.iter().map(|v| (v - top).exp()).collect();
        let sum: f32 = e.iter().sum();
        out.extend(e.iter().map(|v| v / sum));
    }
    out
}

fn devices() -> Vec<(&'static str, Device)> {
    let mut d = vec![("CPU", Device::Cpu)];
    if let Some(g) = common::gpu_device() {
        d.push(("GPU", g));
    }
    d
}

/// `predict` and `evaluate` take `&self` (`Layer::call` caches nothing): two threads use
/// one shared model at once and get what one thread gets, which is the inference forward
/// (dropout off, moving statistics) computed on the host.
#[test]
fn two_threads_predict_from_one_shared_model() {
    for (what, dev) in devices() {
        let (m, x, y) = trained_for_inference(dev);
        let alone = m.predict(&x).unwrap();
        let evaluated = m.evaluate(&x, &y).unwrap();
        let shared: &Sequential = &m;
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                (
                    shared.predict(&x).unwrap(),
                    shared.evaluate(&x, &y).unwrap(),
                )
            });
            let b = s.spawn(|| {
                (
                    shared.predict(&x).unwrap(),
                    shared.evaluate(&x, &y).unwrap(),
                )
            });
            (a.join().unwrap(), b.join().unwrap())
        });
        for (p, e) in [a, b] {
            assert_eq!(p, alone, "{what}: a thread's predict");
            assert_eq!(e, evaluated, "{what}: a thread's evaluate");
        }
        let host = host_inference(&m.get_weights().unwrap(), &x);
        common::assert_close(what, &alone.data, &host, 1e-5, 1e-4);
    }
}

/// Inference leaves the training state alone: train, predict, evaluate, train gives the
/// weights of train, train (the dropout counter and moving statistics untouched).
#[test]
fn predict_and_evaluate_leave_training_state_alone() {
    for (what, dev) in devices() {
        let (mut a, x, y) = trained_for_inference(dev.clone());
        let (mut b, _, _) = trained_for_inference(dev);
        a.predict(&x).unwrap();
        a.evaluate(&x, &y).unwrap();
        a.train_on_batch(&x, &y).unwrap();
        b.train_on_batch(&x, &y).unwrap();
        assert_eq!(a.get_weights().unwrap(), b.get_weights().unwrap(), "{what}");
    }
}
