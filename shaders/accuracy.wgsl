// Accuracy: accuracy_forward correct[r] = 1 when argmax(probs[r, :]) equals
// argmax(labels[r, :]) (first maximum on ties, as numpy's argmax), else 0. Summed with
// sum_forward into the epoch's count of correct predictions, without leaving the GPU.

struct Params {
    rows: u32,
    cols: u32,
    // top_k_* kernels only.
    k: u32,
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

// The label's rank among a row's probabilities: 1 + the number of classes with a strictly
// larger probability (a NaN at the label counts as −∞), as Keras's in_top_k.
fn rank_of(base: u32, label: u32) -> u32 {
    var at = probs[base + label];
    // NaN test on the bits: compilers may fold `at != at` away.
    if (bitcast<u32>(at) & 0x7fffffffu) > 0x7f800000u {
        // −f32::MAX by its bits: WebGPU's WGSL compiler (Tint) refuses the literal
        // -3.4028235e38 as out of f32's range.
        at = bitcast<f32>(0xff7fffffu);
    }
    var rank = 1u;
    for (var c = 0u; c < p.cols; c++) {
        if probs[base + c] > at {
            rank++;
        }
    }
    return rank;
}

// top_k_accuracy_forward: correct[r] = 1 when the labelled class (argmax of the one-hot
// row) ranks within the top k, as Keras's top_k_categorical_accuracy.
@compute @workgroup_size(64)
fn top_k_accuracy_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = grid_index(gid, nwg, 64u);
    if r >= p.rows {
        return;
    }
    let base = r * p.cols;
    var best_l = 0u;
    for (var c = 1u; c < p.cols; c++) {
        if labels[base + c] > labels[base + best_l] {
            best_l = c;
        }
    }
    correct[r] = select(0.0, 1.0, rank_of(base, best_l) <= p.k);
}

// sparse_top_k_accuracy_forward: the same with class indices labels[r], as Keras's
// sparse_top_k_categorical_accuracy.
@compute @workgroup_size(64)
fn sparse_top_k_accuracy_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = grid_index(gid, nwg, 64u);
    if r >= p.rows {
        return;
    }
    correct[r] = select(0.0, 1.0, rank_of(r * p.cols, u32(labels[r])) <= p.k);
}
