//! The validation check can fail: under `WGTRAIN_VALIDATION=1` on Vulkan, a deliberately
//! wrong submission — two writes to one buffer recorded below wgpu with no barrier
//! between them, a hazard only synchronization validation sees — reaches wgtrain as
//! `Error::Validation` at the next wait. (Its own test binary, so the message it provokes
//! cannot fail another test's wait.)

mod common;

use wgpu::hal::CommandEncoder as _;
use wgtrain::{gpu::Gpu, Error};

#[test]
fn a_wrong_submission_is_caught_by_the_validation_layer() {
    if std::env::var("WGTRAIN_VALIDATION").as_deref() != Ok("1") {
        eprintln!("skipped: run with WGTRAIN_VALIDATION=1 (scripts/test.sh does) to test it");
        return;
    }
    let Some(_) = common::gpu() else { return };
    let g = Gpu::new().unwrap();
    if g.info().backend != wgpu::Backend::Vulkan {
        eprintln!(
            "skipped: the Khronos layer is Vulkan's; this adapter is {:?}",
            g.info().backend
        );
        return;
    }
    // Correct work first: no message.
    let t = g.upload(&[3], &[1.0, 2.0, 3.0]).unwrap();
    assert_eq!(g.download(&t).unwrap(), vec![1.0, 2.0, 3.0]);

    let buffer = g.device().create_buffer(&wgpu::BufferDescriptor {
        label: Some("hazard"),
        size: 1024,
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    });
    let mut encoder = g
        .device()
        .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    // SAFETY: the raw buffer outlives the recording; the hal encoder is only used inside
    // the callback, and the two fills are valid commands — only their missing barrier is
    // wrong, which is the point.
    unsafe {
        let raw = buffer
            .as_hal::<wgpu::hal::api::Vulkan>()
            .expect("a Vulkan buffer");
        encoder.as_hal_mut::<wgpu::hal::api::Vulkan, _, _>(|e| {
            let e = e.expect("a Vulkan encoder");
            e.clear_buffer(&raw, 0..1024);
            e.clear_buffer(&raw, 0..1024);
        });
    }
    g.queue().submit([encoder.finish()]);
    let err = g.synchronize().expect_err("the hazard went unreported");
    let text = err.to_string();
    assert!(matches!(err, Error::Validation { .. }), "{text}");
    assert!(
        text.contains("SYNC-HAZARD-WRITE-AFTER-WRITE"),
        "not the write-after-write hazard: {text}"
    );
    // Reported once: the next wait is clean again.
    g.synchronize().unwrap();
}
