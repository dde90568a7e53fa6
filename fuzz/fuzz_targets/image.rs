//! Digit images for `predict` (PNG, JPEG, by content): any bytes give 28×28 pixels or an
//! error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(img) = wgtrain::data::digit_image::decode_bytes(data) {
        let _ = wgtrain::data::digit_from_image(&img);
    }
});
