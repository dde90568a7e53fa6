// Softmax fused with categorical cross-entropy, one thread per row of logits[rows, cols].
// softmax_cross_entropy_forward writes probs = softmax(logits) and
// row_loss[r] = −Σ_j labels_j · log_softmax(logits)_j, with log-softmax taken as
// z − max − log Σ e^(z − max), so logits of ±100 neither overflow nor give log(0).
// (The batch mean is a `sum` dispatch over row_loss.)
// softmax_cross_entropy_backward: dlogits = (probs − labels) · scale, scale = 1/rows for
// the mean loss.

struct Params {
    rows: u32,
    cols: u32,
    scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
// x and y are the names shaders/lib/softmax_row.wgsl reads and writes: the logits and probs.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;
@group(0) @binding(1) var<storage, read> probs_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;

@compute @workgroup_size(64)
fn softmax_cross_entropy_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = grid_index(gid, nwg, 64u);
    if r >= p.rows {
        return;
    }
    let base = r * p.cols;
    let ms = softmax_row(base, p.cols);
    let mx = ms.x;
    let log_s = log(ms.y);
    let inv = 1.0 / ms.y;
    var loss = 0.0;
    for (var j = 0u; j < p.cols; j++) {
        y[base + j] *= inv;
        let t = labels[base + j];
        if t != 0.0 {
            loss -= t * (x[base + j] - mx - log_s);
        }
    }
    row_loss[r] = loss;
}

@compute @workgroup_size(256)
fn softmax_cross_entropy_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i < p.rows * p.cols {
        dlogits[i] = (probs_in[i] - labels[i]) * p.scale;
    }
}

// softmax_cross_entropy_step: forward, gradient and the step's sums (hits by
// accuracy_forward's rule) in one workgroup; its bindings, parameters and the
// sums are in shaders/lib/step_sums.wgsl.
@compute @workgroup_size(256)
fn softmax_cross_entropy_step(@builtin(local_invocation_index) lid: u32) {
    var loss_sum = 0.0;
    var hits = 0.0;
    for (var r = lid; r < sp.rows; r += 256u) {
        let base = r * sp.cols;
        let ms = softmax_row(base, sp.cols);
        let inv = 1.0 / ms.y;
        let mx = ms.x;
        let log_s = log(ms.y);
        var loss = 0.0;
        var best_p = 0u;
        var best_l = 0u;
        for (var j = 0u; j < sp.cols; j++) {
            y[base + j] *= inv;
            let t = labels[base + j];
            if t != 0.0 {
                loss -= t * (x[base + j] - mx - log_s);
            }
            grad_out[base + j] = (y[base + j] - t) * sp.scale;
            if j > 0u && y[base + j] > y[base + best_p] {
                best_p = j;
            }
            if j > 0u && t > labels[base + best_l] {
                best_l = j;
            }
        }
        loss_sum += loss;
        hits += select(0.0, 1.0, best_p == best_l);
    }
    add_step_sums(lid, loss_sum, hits);
}
