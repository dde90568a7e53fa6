//! IDX files (raw or gzip) as MNIST ships them: any bytes give an array or an error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = wgtrain::data::parse_idx_bytes(data, None);
    let _ = wgtrain::data::parse_idx_bytes(data, Some(2));
});
