//! Driver validation routed into wgtrain's errors. With `WGTRAIN_VALIDATION=1` (or
//! [`GpuOptions::validation`](super::GpuOptions)) the instance is created with wgpu's
//! `VALIDATION` flag: on Vulkan that loads the Khronos validation layer, which wgpu starts
//! with synchronization validation on, and on GL it turns on the driver's debug output.
//! wgpu-hal hands every message to the `log` crate; the logger installed here keeps the
//! warnings and errors among them, prints each on stderr (prefixed `wgtrain: validation:`),
//! and the next wait on the GPU returns the first one as [`Error::Validation`], so a test
//! or a run that triggers one fails.
// The browser has no validation layer to collect from (its errors reach the device's
// uncaptured-error handler).
#![cfg_attr(target_arch = "wasm32", allow(dead_code))]

use std::sync::Mutex;

use crate::error::{Error, Result};

/// Messages seen and not yet returned by [`take`].
static MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Collector;

/// Where wgpu-hal's debug callbacks log from: Vulkan's debug-utils messenger and GL's
/// debug output. EGL's own debug callback is left out: it reports the display platforms
/// wgpu probes and drops (`eglInitialize ... DRI2: failed to load driver`), not our work.
fn is_driver_message(target: &str) -> bool {
    target.starts_with("wgpu_hal::vulkan")
        || (target.starts_with("wgpu_hal::gles") && !target.starts_with("wgpu_hal::gles::egl"))
}

impl log::Log for Collector {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::Level::Warn && is_driver_message(m.target())
    }

    fn log(&self, r: &log::Record) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let text = r.args().to_string();
        eprintln!("wgtrain: validation: {text}");
        if let Ok(mut v) = MESSAGES.lock() {
            v.push(text);
        }
    }

    fn flush(&self) {}
}

static COLLECTOR: Collector = Collector;

/// Install the collecting logger (once per process). It must be in place before the
/// instance is created: wgpu asks the layer only for the severities the logger wants.
/// Another logger already installed is an error, since its messages would bypass the check.
pub(crate) fn install() -> Result<()> {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *INSTALLED.get_or_init(|| {
        let ok = log::set_logger(&COLLECTOR).is_ok();
        if ok {
            log::set_max_level(log::LevelFilter::Warn);
        }
        ok
    });
    if ok {
        Ok(())
    } else {
        Err(Error::BadSetting {
            name: "WGTRAIN_VALIDATION",
            value: "1".into(),
            reason: "another `log` logger is already installed, so wgtrain cannot collect the \
                     validation layer's messages; unset WGTRAIN_VALIDATION or do not install a \
                     logger"
                .into(),
        })
    }
}

/// The messages collected since the last call (and forgets them).
pub fn take() -> Vec<String> {
    MESSAGES
        .lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default()
}

/// `Err(Error::Validation)` with the first collected message, if any arrived.
pub(crate) fn check(context: &str) -> Result<()> {
    let mut msgs = take();
    if msgs.is_empty() {
        return Ok(());
    }
    let more = msgs.len() - 1;
    Err(Error::Validation {
        context: context.to_string(),
        message: msgs.swap_remove(0),
        more,
    })
}

/// True when the Khronos validation layer is installed (asked of the Vulkan loader
/// through `instance`, which must be a Vulkan instance).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn vulkan_layer_present(instance: &wgpu::Instance) -> bool {
    // SAFETY: only the loader entry is used, to list layers; nothing is created.
    let Some(hal) = (unsafe { instance.as_hal::<wgpu::hal::api::Vulkan>() }) else {
        return false;
    };
    let entry = hal.shared_instance().entry();
    // SAFETY: a plain query of the loader.
    match unsafe { entry.enumerate_instance_layer_properties() } {
        Ok(layers) => layers.iter().any(|l| {
            l.layer_name_as_c_str()
                .is_ok_and(|n| n.to_bytes() == b"VK_LAYER_KHRONOS_validation")
        }),
        Err(_) => false,
    }
}
