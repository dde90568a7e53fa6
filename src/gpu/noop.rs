//! A twin of a `Gpu` on wgpu's no-op backend, which validates and records like any other
//! but executes nothing (buffers can still be created and mapped; results read back are
//! zeros). With the real adapter's limits, features, device type and tuning, it records
//! exactly the dispatches the real one would, so timing a training step on it measures
//! the host's cost alone: wgtrain plus wgpu, without the driver or the GPU.

use super::{adapter, Gpu, GpuOptions};
use crate::error::{Error, Result};

impl Gpu {
    /// A no-op device that records what this one would (`wgtrain bench`'s host time).
    pub fn noop_twin(&self) -> Result<Gpu> {
        let mut gpu = Gpu::noop(
            self.info.limits.clone(),
            self.info.features,
            self.info.device_type,
        )?;
        gpu.tuning = self.tuning.clone();
        let split = self
            .split_k_above
            .load(std::sync::atomic::Ordering::Relaxed);
        gpu.split_k_above
            .store(split, std::sync::atomic::Ordering::Relaxed);
        Ok(gpu)
    }

    /// A no-op device that records what a discrete GPU would: WebGPU's default limits, the
    /// GPU defaults of `Tuning` (split matmul family, 64-wide register workgroups), no
    /// autotune. `wgtrain bench`'s cost model reads its dispatches.
    pub fn noop_discrete() -> Result<Gpu> {
        Gpu::noop(
            wgpu::Limits::default(),
            wgpu::Features::empty(),
            wgpu::DeviceType::DiscreteGpu,
        )
    }

    /// A device on wgpu's no-op backend reporting these limits, features and type (what
    /// a test of limits no real adapter here has uses).
    pub fn noop(
        limits: wgpu::Limits,
        features: wgpu::Features,
        device_type: wgpu::DeviceType,
    ) -> Result<Gpu> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::NOOP;
        desc.backend_options.noop = wgpu::NoopBackendOptions {
            enable: true,
            limits: Some(limits),
            features: Some(features),
            device_type: Some(device_type),
            ..Default::default()
        };
        let instance = wgpu::Instance::new(desc);
        let noop = GpuOptions {
            backend: Some(wgpu::Backends::NOOP),
            ..GpuOptions::default()
        };
        let found = adapter::enumerate(&instance, &noop).into_iter().next();
        let adapter = found.ok_or_else(|| Error::NoAdapter {
            detail: " on wgpu's no-op backend (built without wgpu's \"noop\" feature?)".into(),
        })?;
        let mut gpu = Gpu::from_adapter(adapter)?;
        // wgpu 30's no-op adapter reports itself as a CPU whatever type it was given.
        gpu.info.device_type = device_type;
        gpu.tuning = super::Tuning::for_adapter(&gpu.info);
        Ok(gpu)
    }
}
