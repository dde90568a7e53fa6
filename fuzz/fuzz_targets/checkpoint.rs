//! Checkpoints: any bytes load (to resume, or for inference) or give an error; a model that
//! loads also predicts.
#![no_main]
use wgtrain::nn::{Array, Device, Sequential};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for inference in [false, true] {
        if let Ok(mut m) = Sequential::load_from_bytes(data, "fuzz", Device::Cpu, inference) {
            let shape: Vec<usize> = std::iter::once(1).chain(m.input_shape().iter().copied()).collect();
            let n: usize = shape.iter().product();
            if n <= 1 << 20 {
                if let Ok(x) = Array::new(&shape, vec![0.5; n]) {
                    let _ = m.predict(&x);
                }
            }
        }
    }
});
