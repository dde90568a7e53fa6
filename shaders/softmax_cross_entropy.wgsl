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

// softmax_cross_entropy_step: a training step's whole loss in one workgroup, one dispatch instead of
// five: forward and backward as above, the row losses summed into loss_total[0] and (flags
// 1) the rows whose argmax hits the label summed into correct_total[0] (accuracy_forward's rule). Each
// thread takes rows lid, lid + 256, …, and the sums reduce as sum.wgsl's do, so every
// output has the bits of the five separate kernels.
struct StepParams {
    rows: u32,
    cols: u32,
    scale: f32,
    flags: u32,
}

@group(0) @binding(0) var<uniform> sp: StepParams;
@group(0) @binding(4) var<storage, read_write> grad_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss_total: array<f32>;
@group(0) @binding(6) var<storage, read_write> correct_total: array<f32>;

var<workgroup> loss_part: array<f32, 256>;
var<workgroup> hit_part: array<f32, 256>;

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
    loss_part[lid] = loss_sum;
    hit_part[lid] = hits;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride / 2u) {
        if lid < stride {
            loss_part[lid] += loss_part[lid + stride];
            hit_part[lid] += hit_part[lid + stride];
        }
        workgroupBarrier();
    }
    if lid == 0u {
        loss_total[0] = loss_part[0] * 1.0 + loss_total[0];
        if (sp.flags & 1u) != 0u {
            correct_total[0] = hit_part[0] * 1.0 + correct_total[0];
        }
    }
}
