// A one-element u32 counter on the GPU: counter_step adds one. Adam's step t, the Dropout
// step and the data cursor advance with it, so many steps can be recorded into one
// submission without reading anything back.

@group(0) @binding(1) var<storage, read_write> count: array<u32>;

@compute @workgroup_size(1)
fn counter_step() {
    count[0] = count[0] + 1u;
}
