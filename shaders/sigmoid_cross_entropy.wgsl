// Sigmoid fused with binary cross-entropy, elementwise over logits[rows, cols] and labels
// of the same shape (0/1, or probabilities). sigmoid_cross_entropy_forward writes
// probs = σ(z) and elem_loss = −(y·log σ(z) + (1 − y)·log(1 − σ(z))), taken as
// max(z, 0) − z·y + log(1 + e^(−|z|)) so logits of ±100 give finite losses (Keras averages
// it over the last axis: a `sum` with scale 1/cols). sigmoid_cross_entropy_backward:
// dlogits = (probs − labels) · scale, scale = 1/(rows·cols) for the mean loss.
// binary_accuracy_forward: correct[r] = the share of row r's outputs on the labelled side
// of 0.5 (Keras's binary_accuracy, threshold 0.5).

struct Params {
    rows: u32,
    cols: u32,
    scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> probs: array<f32>;
@group(0) @binding(4) var<storage, read_write> elem_loss: array<f32>;
@group(0) @binding(1) var<storage, read> probs_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(3) var<storage, read_write> correct: array<f32>;

@compute @workgroup_size(256)
fn sigmoid_cross_entropy_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.rows * p.cols {
        return;
    }
    let z = logits[i];
    let e = exp(-abs(z));
    probs[i] = select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0);
    elem_loss[i] = max(z, 0.0) - z * labels[i] + log(1.0 + e);
}

@compute @workgroup_size(256)
fn sigmoid_cross_entropy_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.rows * p.cols {
        dlogits[i] = (probs_in[i] - labels[i]) * p.scale;
    }
}

@compute @workgroup_size(64)
fn binary_accuracy_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = grid_index(gid, nwg, 64u);
    if r >= p.rows {
        return;
    }
    var hits = 0.0;
    for (var c = 0u; c < p.cols; c++) {
        let i = r * p.cols + c;
        hits += select(0.0, 1.0, (probs_in[i] > 0.5) == (labels[i] > 0.5));
    }
    correct[r] = hits / f32(p.cols);
}
