// Zero padding of an NHWC batch (Keras's ZeroPadding2D). pad2d_forward: y[n, oy, ox, c]
// = x[n, oy − top, ox − left, c] inside the input, else 0, one thread per output;
// pad2d_backward: dx[n, y, x, c] = dy[n, y + top, x + left, c] (the crop), one thread per
// input element.

struct Params {
    n: u32,
    h: u32,
    w: u32,
    c: u32,
    top: u32,
    left: u32,
    oh: u32,
    ow: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

// divmod and nhwc_index come from shaders/lib/ (prepended).

@compute @workgroup_size(256)
fn pad2d_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n * p.oh * p.ow * p.c {
        return;
    }
    let at = nhwc_index(i, p.oh, p.ow, p.c);
    var v = 0.0;
    if at.y >= p.top && at.y < p.top + p.h && at.z >= p.left && at.z < p.left + p.w {
        v = x[((at.x * p.h + at.y - p.top) * p.w + at.z - p.left) * p.c + at.w];
    }
    y[i] = v;
}

@compute @workgroup_size(256)
fn pad2d_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = grid_index(gid, nwg, 256u);
    if i >= p.n * p.h * p.w * p.c {
        return;
    }
    let at = nhwc_index(i, p.h, p.w, p.c);
    dx[i] = dy[((at.x * p.oh + at.y + p.top) * p.ow + at.z + p.left) * p.c + at.w];
}
