//! The browser build (`wasm32-unknown-unknown`): opening the GPU through WebGPU, awaited
//! (nothing may block the page's thread), and the blocking wait, which is an error there.
//! Values come back through the async reads (`Gpu::read_values`).

use super::Gpu;
use crate::error::{Error, Result};

impl Gpu {
    /// Open the browser's WebGPU adapter (the high-performance one) and a device on it
    /// with the adapter's own limits, without tuning (the measured defaults). The error
    /// says why when the browser has no WebGPU (or it is switched off).
    pub async fn open_browser() -> Result<Gpu> {
        let desc = wgpu::InstanceDescriptor {
            backends: wgpu::Backends::BROWSER_WEBGPU,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        };
        let instance = wgpu::Instance::new(desc);
        let req = wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        };
        // wgpu's own words here list the native backends it did not try: not the user's
        // concern in a browser.
        let adapter = instance
            .request_adapter(&req)
            .await
            .map_err(|_| Error::Unsupported {
                context: "this browser".into(),
                feature: "WebGPU".into(),
                reason: "it offered no GPU adapter (it has no WebGPU, or WebGPU is switched \
                         off or blocked for this GPU); use a recent Chrome, Edge, Firefox or \
                         Safari, over https or from localhost (on Linux Chrome may need \
                         chrome://flags/#enable-unsafe-webgpu)"
                    .into(),
            })?;
        let desc = Gpu::device_descriptor(&adapter);
        let (device, queue) =
            adapter
                .request_device(&desc)
                .await
                .map_err(|e| Error::DeviceRequest {
                    adapter: adapter.get_info().name,
                    reason: e.to_string(),
                })?;
        let mut gpu = Gpu::from_device(&adapter, &desc, device, queue);
        gpu.chosen_because = "the browser's WebGPU adapter".into();
        Ok(gpu)
    }

    /// In the browser nothing may block: a blocking read (`download`, `synchronize`) is an
    /// error there; the async reads ([`Gpu::read_values`], `Sequential::*_async`) are the
    /// way.
    pub(super) fn wait(&self) -> Result<()> {
        Err(self.gpu_err(
            "wait",
            "a blocking wait is not possible in the browser; use the async reads \
             (Gpu::read_values, Sequential::fit_epoch_async, evaluate_async, predict_async, \
             get_weights_async)"
                .into(),
        ))
    }
}

/// In the browser an error scope's result is a promise, which cannot be awaited where
/// pipelines are built (synchronously): no scope is pushed, and a validation error reaches
/// the device's uncaptured-error handler instead, reported by the next read
/// (`Gpu::read_values`).
pub(super) struct ErrorScope;

impl ErrorScope {
    pub(super) fn push(_device: &wgpu::Device) -> ErrorScope {
        ErrorScope
    }

    /// Always `None` (see the type).
    pub(super) fn pop(self) -> Option<wgpu::Error> {
        None
    }
}
