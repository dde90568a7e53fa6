//! Opening the GPU natively (every target but the browser's): the adapter the options
//! choose, the adapters there are, and a device on one, each awaited with `pollster`.

use super::{adapter, validation, Gpu, GpuOptions};
use crate::error::{Error, Result};

impl Gpu {
    /// Open the adapter chosen by `opts`, with the measured defaults (no autotune):
    /// `Gpu::with_options` (in `ops/autotune.rs`, above the launchers the tune times)
    /// opens through this and then tunes.
    pub(crate) fn open_untuned(opts: &GpuOptions) -> Result<Gpu> {
        let instance = adapter::instance(opts)?;
        let (adapter, reason) = adapter::choose(&instance, opts).map_err(|e| match e {
            // Under validation, what the loader said (e.g. the layer failed to load)
            // explains a missing adapter better than we can.
            Error::NoAdapter { detail } if opts.validation => {
                let said: Vec<String> = validation::take()
                    .into_iter()
                    .filter(|m| !m.trim_start().starts_with("objects:"))
                    .collect();
                let detail = match said.is_empty() {
                    true => detail,
                    false => format!("{detail}; the Vulkan loader said: {}", said.join(" / ")),
                };
                Error::NoAdapter { detail }
            }
            other => other,
        })?;
        let mut gpu = Gpu::from_adapter(adapter)?;
        gpu.validation = opts.validation;
        gpu.chosen_because = reason;
        Ok(gpu)
    }

    /// Every adapter wgpu can see for these options (`Gpu::with_options` picks among them).
    pub fn list_adapters(opts: &GpuOptions) -> Result<Vec<wgpu::AdapterInfo>> {
        let instance = adapter::instance(opts)?;
        Ok(adapter::enumerate(&instance, opts)
            .iter()
            .map(|a| a.get_info())
            .collect())
    }

    /// Every adapter wgpu can see, with its limits (what `wgtrain devices` prints).
    pub fn list_adapters_with_limits(
        opts: &GpuOptions,
    ) -> Result<Vec<(wgpu::AdapterInfo, wgpu::Limits)>> {
        let instance = adapter::instance(opts)?;
        Ok(adapter::enumerate(&instance, opts)
            .iter()
            .map(|a| (a.get_info(), a.limits()))
            .collect())
    }

    /// Open a device on `adapter` with the adapter's own limits and timestamp queries
    /// when they are offered.
    pub fn from_adapter(adapter: wgpu::Adapter) -> Result<Gpu> {
        let desc = Gpu::device_descriptor(&adapter);
        let (device, queue) = pollster::block_on(adapter.request_device(&desc)).map_err(|e| {
            Error::DeviceRequest {
                adapter: adapter.get_info().name,
                reason: e.to_string(),
            }
        })?;
        Ok(Gpu::from_device(&adapter, &desc, device, queue))
    }
}

/// A validation error scope around pipeline and shader creation: natively its errors are
/// awaited at once, so they name the pipeline or shader that caused them.
pub(super) struct ErrorScope(wgpu::ErrorScopeGuard);

impl ErrorScope {
    pub(super) fn push(device: &wgpu::Device) -> ErrorScope {
        ErrorScope(device.push_error_scope(wgpu::ErrorFilter::Validation))
    }

    /// The first validation error inside the scope, if any.
    pub(super) fn pop(self) -> Option<wgpu::Error> {
        pollster::block_on(self.0.pop())
    }
}
