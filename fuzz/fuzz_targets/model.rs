//! Model descriptions (JSON with Keras layer names): any text parses and builds, or gives
//! an error; a description that parses round-trips.
#![no_main]
use wgtrain::nn::{Device, ModelSpec, Sequential};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(spec) = ModelSpec::from_json(text, "fuzz") else { return };
    assert_eq!(ModelSpec::from_json(&spec.to_json(), "again").unwrap(), spec);
    if let Ok(m) = Sequential::from_spec(&spec, Device::Cpu, 0) {
        let _ = m.check_fits(32);
        let _ = m.summary();
    }
});
