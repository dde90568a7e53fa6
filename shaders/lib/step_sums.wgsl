// What the `<loss>_step` entries share (softmax_cross_entropy.wgsl and its sparse form):
// a training step's whole loss in one workgroup of 256 threads, one dispatch instead of
// five. Each thread takes rows lid, lid + 256, … and writes their gradient to grad_out;
// `add_step_sums` then reduces the threads' row-loss and hit sums as sum.wgsl does and
// adds them to loss_total[0] and (flags 1) correct_total[0], so every output has the bits
// of the separate forward, sum, accuracy, sum and backward kernels.

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

fn add_step_sums(lid: u32, loss_sum: f32, hits: f32) {
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
