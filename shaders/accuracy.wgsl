// Accuracy: accuracy_forward correct[r] = 1 when argmax(probs[r, :]) equals
// argmax(labels[r, :]) (first maximum on ties, as numpy's argmax), else 0. Summed with
// sum_forward into the epoch's count of correct predictions, without leaving the GPU.

struct Params {
    rows: u32,
    cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> correct: array<f32>;

@compute @workgroup_size(64)
fn accuracy_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = grid_index(gid, nwg, 64u);
    if r >= p.rows {
        return;
    }
    let base = r * p.cols;
    var best_p = 0u;
    var best_l = 0u;
    for (var c = 1u; c < p.cols; c++) {
        if probs[base + c] > probs[base + best_p] {
            best_p = c;
        }
        if labels[base + c] > labels[base + best_l] {
            best_l = c;
        }
    }
    correct[r] = select(0.0, 1.0, best_p == best_l);
}

// sparse_accuracy_forward: the same with one class index per row in labels[r] (sparse
// categorical labels), as Keras's sparse_categorical_accuracy.
@compute @workgroup_size(64)
fn sparse_accuracy_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = grid_index(gid, nwg, 64u);
    if r >= p.rows {
        return;
    }
    let base = r * p.cols;
    var best_p = 0u;
    for (var c = 1u; c < p.cols; c++) {
        if probs[base + c] > probs[base + best_p] {
            best_p = c;
        }
    }
    correct[r] = select(0.0, 1.0, f32(best_p) == labels[r]);
}
