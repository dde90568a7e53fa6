//! The "Adding a layer" guide (docs/ADDING_A_LAYER.md), followed to the letter: a layer
//! defined outside the crate through `wgtrain::…` public paths only — `LowRankDense`,
//! y = (x·U)·V + b — put in a `Sequential` between Dense layers, its backward checked
//! against central finite differences of the loss on the CPU device, trained on the GPU
//! device and the CPU device from one seed (same losses and weights), and its weights
//! saved and loaded.
//!
//! Keep in sync: every ```rust block of docs/ADDING_A_LAYER.md is a verbatim piece of
//! this file (`the_guide_shows_this_files_code` fails otherwise). Edit both together.

mod common;

use wgtrain::nn::{
    glorot_uniform, layers::Dense, Activation, Device, Layer, LayerSpec, Loss, Optimizer, Param,
    Sequential, StdRng, Tensor,
};
use wgtrain::shape::Layout;
use wgtrain::{Error, Result};

/// A dense layer of low rank: y = (x·U)·V + b, with U [in, rank], V [rank, units] and
/// b [units] trainable. Fewer weights than a Dense of the same width when rank is small.
pub struct LowRankDense {
    units: usize,
    rank: usize,
    /// The input features, known once built.
    inputs: usize,
    u: Option<Param>,
    v: Option<Param>,
    b: Option<Param>,
    /// What backward needs, cached by a training forward: x and h = x·U.
    cache: Option<(Tensor, Tensor)>,
}

impl LowRankDense {
    /// `units` outputs through a bottleneck of `rank`.
    pub fn new(units: usize, rank: usize) -> LowRankDense {
        LowRankDense {
            units,
            rank,
            inputs: 0,
            u: None,
            v: None,
            b: None,
            cache: None,
        }
    }
}

impl Layer for LowRankDense {
    fn kind(&self) -> &'static str {
        "LowRankDense"
    }

    fn build(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        match input_shape {
            [n] if *n > 0 && self.units > 0 && self.rank > 0 => {
                self.inputs = *n;
                Ok(vec![self.units])
            }
            _ => Err(Error::Model(format!(
                "LowRankDense({}, rank {}) got input shape {input_shape:?}; it needs one \
                 non-empty axis (add Flatten before it) and units, rank ≥ 1",
                self.units, self.rank
            ))),
        }
    }

    fn spec(&self) -> LayerSpec {
        LayerSpec::Custom {
            class_name: "LowRankDense".into(),
            config: serde_json::json!({ "units": self.units, "rank": self.rank }),
        }
    }

    fn param_shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        vec![
            ("u", vec![self.inputs, self.rank]),
            ("v", vec![self.rank, self.units]),
            ("bias", vec![self.units]),
        ]
    }

    fn init(&mut self, dev: &Device, rng: &mut StdRng) -> Result<()> {
        let (n, r, k) = (self.inputs, self.rank, self.units);
        let u = glorot_uniform(rng, n * r, n, r);
        let v = glorot_uniform(rng, r * k, r, k);
        self.u = Some(Param::new(dev, "u", &[n, r], &u)?);
        self.v = Some(Param::new(dev, "v", &[r, k], &v)?);
        self.b = Some(Param::new(dev, "bias", &[k], &vec![0.0; k])?);
        Ok(())
    }

    fn params(&self) -> Vec<&Param> {
        [&self.u, &self.v, &self.b].into_iter().flatten().collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        [&mut self.u, &mut self.v, &mut self.b]
            .into_iter()
            .flatten()
            .collect()
    }

    fn call(&self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (u, v, b) = (built(&self.u)?, built(&self.v)?, built(&self.b)?);
        let h = dev.matmul(x, &u.value, None, Layout::NN, false)?; // [rows, rank]
        dev.matmul(&h, &v.value, Some(&b.value), Layout::NN, false) // [rows, units]
    }

    fn forward(&mut self, dev: &Device, x: &Tensor) -> Result<Tensor> {
        let (u, v, b) = (built(&self.u)?, built(&self.v)?, built(&self.b)?);
        let h = dev.matmul(x, &u.value, None, Layout::NN, false)?; // [rows, rank]
        let y = dev.matmul(&h, &v.value, Some(&b.value), Layout::NN, false)?; // [rows, units]
        self.cache = Some((x.clone(), h));
        Ok(y)
    }

    fn backward(&mut self, dev: &Device, dy: &Tensor, need_dx: bool) -> Result<Option<Tensor>> {
        let (x, h) = self.cache.take().ok_or_else(|| {
            Error::Model("LowRankDense: backward without a training forward".into())
        })?;
        let v = built(&self.v)?.value.clone();
        // dV = hᵀ·dy, db = Σ_rows dy, dh = dy·Vᵀ, dU = xᵀ·dh, dx = dh·Uᵀ.
        built_mut(&mut self.v)?.write_grad(
            |g| dev.matmul_into(&h, dy, Layout::TN, g),
            || dev.matmul(&h, dy, None, Layout::TN, false),
        )?;
        built_mut(&mut self.b)?
            .write_grad(|g| dev.bias_backward_into(dy, g), || dev.bias_backward(dy))?;
        let dh = dev.matmul(dy, &v, None, Layout::NT, false)?;
        let u = built_mut(&mut self.u)?;
        u.write_grad(
            |g| dev.matmul_into(&x, &dh, Layout::TN, g),
            || dev.matmul(&x, &dh, None, Layout::TN, false),
        )?;
        match need_dx {
            true => Ok(Some(dev.matmul(&dh, &u.value, None, Layout::NT, false)?)),
            false => Ok(None),
        }
    }
}

/// A parameter `init` has created (forward before init is a caller's error, not a panic).
fn built(p: &Option<Param>) -> Result<&Param> {
    p.as_ref()
        .ok_or_else(|| Error::Model("LowRankDense: used before its weights were built".into()))
}

fn built_mut(p: &mut Option<Param>) -> Result<&mut Param> {
    p.as_mut()
        .ok_or_else(|| Error::Model("LowRankDense: used before its weights were built".into()))
}

/// The guide's model: 3 inputs → Dense(5, tanh) → LowRankDense(4, rank 2) → Dense(2).
fn model(dev: Device, seed: u64) -> Result<Sequential> {
    let mut m = Sequential::new(dev, &[3]).with_seed(seed);
    m.add(Dense::new(5, Activation::Tanh))?;
    m.add(LowRankDense::new(4, 2))?;
    m.add(Dense::new(2, Activation::Linear))?;
    m.compile(Optimizer::adam_lr(0.01), Loss::MeanSquaredError, &[])?;
    Ok(m)
}

// ---- The checks (the guide's "Verifying it" section). ----

use wgtrain::nn::{Array, ModelSpec, NamedArray};

/// Eight seeded samples of 3 features and 2 targets (a smooth function of them).
fn data(seed: u64) -> (Array, Array) {
    let x = common::randn(seed, 8 * 3, 1.0);
    let y: Vec<f32> = x
        .chunks(3)
        .flat_map(|r| [r[0] - 0.5 * r[1] * r[2], (r[1] + r[2]).sin()])
        .collect();
    (
        Array::new(&[8, 3], x).unwrap(),
        Array::new(&[8, 2], y).unwrap(),
    )
}

/// The MSE of the model with the weights `w` but weight `w[t][index]` moved by `delta`.
fn loss_with(
    m: &mut Sequential,
    (x, y): &(Array, Array),
    w: &[NamedArray],
    t: usize,
    index: usize,
    delta: f32,
) -> f32 {
    let mut w = w.to_vec();
    w[t].array.data[index] += delta;
    m.set_weights(&w).unwrap();
    m.evaluate(x, y).unwrap().loss
}

#[test]
fn backward_matches_central_finite_differences_on_the_cpu_device() {
    let (x, y) = data(1);
    let mut m = model(Device::Cpu, 7).unwrap();
    // One full-batch SGD step of rate 1 from w0 lands at w0 − ∂loss/∂w: the gradient the
    // layers' backward wrote, read through the public API.
    m.compile(Optimizer::sgd(1.0, 0.0), Loss::MeanSquaredError, &[])
        .unwrap();
    let w0 = m.get_weights().unwrap();
    m.train_on_batch(&x, &y).unwrap();
    let w1 = m.get_weights().unwrap();
    let eps = 1e-2f32;
    let (mut checked, mut largest, mut worst) = (0, 0f32, 0f32);
    // Every weight of the new layer (layers.1.*), and the first Dense's, whose gradient
    // flows through the new layer's dx.
    let xy = (x, y);
    for (t, (t0, t1)) in w0.iter().zip(&w1).enumerate() {
        if !(t0.name.starts_with("layers.0.") || t0.name.starts_with("layers.1.")) {
            continue;
        }
        for i in 0..t0.array.data.len() {
            let analytic = t0.array.data[i] - t1.array.data[i];
            let up = loss_with(&mut m, &xy, &w0, t, i, eps);
            let down = loss_with(&mut m, &xy, &w0, t, i, -eps);
            let numeric = (up - down) / (2.0 * eps);
            let err = (analytic - numeric).abs();
            // f32 loss: rounding ~1e-7 / ε plus ε² curvature; a wrong term is ~|g|.
            let tol = 1e-4 + 1e-2 * numeric.abs();
            assert!(
                err <= tol,
                "{}[{i}]: backward {analytic} vs finite differences {numeric} (|diff| {err} > {tol})",
                t0.name
            );
            (checked, largest, worst) = (checked + 1, largest.max(numeric.abs()), worst.max(err));
        }
    }
    eprintln!("{checked} gradients checked; largest |g| {largest:.3e}, max |diff| {worst:.3e}");
    assert_eq!(
        checked,
        3 * 5 + 5 + 5 * 2 + 2 * 4 + 4,
        "every weight checked"
    );
    assert!(largest > 1e-2, "gradients this small would check nothing");
}

#[test]
fn the_gpu_and_cpu_devices_train_it_alike() {
    let Some(gpu) = common::gpu_device() else {
        return;
    };
    let (x, y) = data(2);
    let (atol, rtol) = (1e-5f32, 1e-3f32);
    let mut models = [model(gpu, 11).unwrap(), model(Device::Cpu, 11).unwrap()];
    let mut max_loss = 0f32;
    for step in 0..5 {
        let [g, c] = &mut models;
        let (lg, lc) = (
            g.train_on_batch(&x, &y).unwrap(),
            c.train_on_batch(&x, &y).unwrap(),
        );
        assert!(
            (lg - lc).abs() <= atol + rtol * lc.abs(),
            "step {step}: loss gpu {lg} cpu {lc}"
        );
        max_loss = max_loss.max((lg - lc).abs());
    }
    let (wg, wc) = (
        models[0].get_weights().unwrap(),
        models[1].get_weights().unwrap(),
    );
    let mut max_weight = 0f32;
    for (g, c) in wg.iter().zip(&wc) {
        for (i, (a, b)) in g.array.data.iter().zip(&c.array.data).enumerate() {
            assert!(
                (a - b).abs() <= atol + rtol * b.abs(),
                "{}[{i}]: gpu {a} cpu {b}",
                g.name
            );
            max_weight = max_weight.max((a - b).abs());
        }
    }
    // Adam moved the new layer's weights on both devices (the GPU's packed gradients
    // reached the optimizer).
    let moved = |w: &[NamedArray], name: &str| {
        let before = model(Device::Cpu, 11).unwrap().get_weights().unwrap();
        let (a, b) = (
            w.iter().find(|t| t.name == name).unwrap(),
            before.iter().find(|t| t.name == name).unwrap(),
        );
        a.array.data.iter().zip(&b.array.data).any(|(p, q)| p != q)
    };
    for name in ["layers.1.u", "layers.1.v", "layers.1.bias"] {
        assert!(
            moved(&wg, name) && moved(&wc, name),
            "{name} was not trained"
        );
    }
    eprintln!(
        "GPU vs CPU over 5 Adam steps: max |Δloss| {max_loss:.2e}, max |Δweight| {max_weight:.2e}"
    );
}

#[test]
fn its_weights_save_and_load() {
    let dir = common::TempDir::new("adding-a-layer");
    let path = dir.path("low_rank.safetensors");
    let (x, _) = data(3);
    let a = model(Device::Cpu, 5).unwrap();
    a.save_weights(&path).unwrap();
    let mut b = model(Device::Cpu, 6).unwrap();
    assert_ne!(
        a.get_weights().unwrap(),
        b.get_weights().unwrap(),
        "seeds differ"
    );
    b.load_weights(&path).unwrap();
    assert_eq!(a.get_weights().unwrap(), b.get_weights().unwrap());
    assert_eq!(a.predict(&x).unwrap(), b.predict(&x).unwrap());
    // The file says what it holds; a description alone cannot build the custom layer.
    let spec = a.spec();
    assert_eq!(spec.layers[1], LowRankDense::new(4, 2).spec());
    let keras = spec.to_keras_json();
    assert!(
        keras.contains(r#""class_name":"LowRankDense","config":{"#),
        "{keras}"
    );
    assert!(keras.contains(r#""rank":2"#), "{keras}");
    let meta = wgtrain::nn::weights_file_metadata(&path).unwrap();
    assert!(
        meta["model"].contains(r#"{"Custom":{"class_name":"LowRankDense""#),
        "{meta:?}"
    );
    assert_eq!(
        ModelSpec::from_weights_file(&path).unwrap(),
        Some(spec.clone())
    );
    assert_eq!(ModelSpec::from_json(&keras, "Keras JSON").unwrap(), spec);
    let err = Sequential::from_spec(&spec, Device::Cpu, 0)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("LowRankDense") && err.contains("Sequential::add"),
        "{err}"
    );
    // The summary counts its weights: 5·2 + 2·4 + 4.
    let summary = a.summary();
    assert!(
        summary.contains("low_rank_dense (LowRankDense)"),
        "{summary}"
    );
    assert!(summary.contains(" 22\n"), "{summary}");
}

#[test]
fn the_guide_shows_this_files_code() {
    let guide = include_str!("../docs/ADDING_A_LAYER.md");
    let this = include_str!("adding_a_layer.rs");
    let mut blocks = 0;
    for block in guide.split("```rust\n").skip(1) {
        let code = block.split("```").next().unwrap();
        assert!(
            this.contains(code),
            "a guide block is not in this file:\n{code}"
        );
        blocks += 1;
    }
    assert!(
        blocks >= 3,
        "the guide shows the layer's code ({blocks} blocks)"
    );
}

#[test]
fn a_custom_layer_description_round_trips_or_is_refused() {
    let text = |layer: &str| format!(r#"{{"input_shape": [3], "layers": [{layer}]}}"#);
    // Through Keras's form and back, as every description that parses must.
    let ok = ModelSpec::from_json(
        &text(r#"{"Custom": {"class_name": "Gate", "config": {"k": [1, 2]}}}"#),
        "test",
    )
    .unwrap();
    assert_eq!(
        ModelSpec::from_json(&ok.to_keras_json(), "again").unwrap(),
        ok
    );
    // Forms whose Keras JSON would read back as something else are refused.
    for (layer, want) in [
        (
            r#"{"Custom": {"class_name": "Dense"}}"#,
            "must name a layer of your own",
        ),
        (
            r#"{"Custom": {"class_name": ""}}"#,
            "must name a layer of your own",
        ),
        (
            r#"{"Custom": {"class_name": "G", "config": 3}}"#,
            "must be an object",
        ),
        (
            r#"{"Custom": {"class_name": "G", "config": {"name": "g"}}}"#,
            "`name`",
        ),
    ] {
        let e = ModelSpec::from_json(&text(layer), "test")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("layer 0 (Custom)") && e.contains(want),
            "{layer}: {e}"
        );
    }
}
