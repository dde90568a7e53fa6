// Softmax fused with sparse categorical cross-entropy: integer class labels (one per row,
// stored as f32 class indices — exact below 2^24 — so a dataset of bytes decodes straight
// into them) instead of one-hot rows. One thread per row of logits[rows, cols].
// sparse_softmax_cross_entropy_forward writes probs = softmax(logits) and
// row_loss[r] = −log_softmax(logits)[r, label_r], taken as z − max − log Σ e^(z − max) so
// logits of ±100 stay finite. sparse_softmax_cross_entropy_backward: dlogits =
// (probs − onehot(label)) · scale, one thread per element. Labels outside [0, cols) are
// refused on the host before training; here they are clamped so no read leaves its row.

struct Params {
    rows: u32,
    cols: u32,
    scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
// x and y are the names shaders/lib/softmax_row.wgsl reads and writes: logits and probs.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;
@group(0) @binding(1) var<storage, read> probs_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;

fn label_of(r: u32) -> u32 {
    return min(u32(max(labels[r], 0.0)), p.cols - 1u);
}

@compute @workgroup_size(64)
fn sparse_softmax_cross_entropy_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = grid_index(gid, nwg, 64u);
    if r >= p.rows {
        return;
    }
    let base = r * p.cols;
    let ms = softmax_row(base, p.cols);
    let inv = 1.0 / ms.y;
    for (var j = 0u; j < p.cols; j++) {
        y[base + j] *= inv;
    }
    row_loss[r] = -(x[base + label_of(r)] - ms.x - log(ms.y));
}

@compute @workgroup_size(256)
fn sparse_softmax_cross_entropy_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.rows * p.cols {
        return;
    }
    let r = i / p.cols;
    let hit = select(0.0, 1.0, i - r * p.cols == label_of(r));
    dlogits[i] = (probs_in[i] - hit) * p.scale;
}

// sparse_softmax_cross_entropy_step: forward, gradient and the step's sums (hits by
// sparse_accuracy_forward's rule) in one workgroup; its bindings, parameters and the
// sums are in shaders/lib/step_sums.wgsl.
@compute @workgroup_size(256)
fn sparse_softmax_cross_entropy_step(@builtin(local_invocation_index) lid: u32) {
    var loss_sum = 0.0;
    var hits = 0.0;
    for (var r = lid; r < sp.rows; r += 256u) {
        let base = r * sp.cols;
        let ms = softmax_row(base, sp.cols);
        let inv = 1.0 / ms.y;
        var best_p = 0u;
        // label_of(r) with this entry point's parameters (one uniform block per entry).
        let label = min(u32(max(labels[r], 0.0)), sp.cols - 1u);
        for (var j = 0u; j < sp.cols; j++) {
            y[base + j] *= inv;
            let hit = select(0.0, 1.0, j == label);
            grad_out[base + j] = (y[base + j] - hit) * sp.scale;
            if j > 0u && y[base + j] > y[base + best_p] {
                best_p = j;
            }
        }
        loss_sum += -(x[base + label] - ms.x - log(ms.y));
        hits += select(0.0, 1.0, f32(best_p) == labels[r]);
    }
    add_step_sums(lid, loss_sum, hits);
}
