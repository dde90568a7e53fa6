//! Adapter selection: which GPU wgtrain runs on, from the environment or from options.

use crate::error::{Error, Result};

/// How to choose the adapter. `GpuOptions::from_env()` reads `WGTRAIN_BACKEND`
/// (vulkan | metal | dx12 | gl) and `WGTRAIN_ADAPTER` (a case-insensitive substring
/// of the adapter name); without them wgtrain asks for the high-performance adapter.
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// Restrict to one backend.
    pub backend: Option<wgpu::Backends>,
    /// Pick the first adapter whose name contains this (case-insensitive).
    pub adapter_name: Option<String>,
}

impl GpuOptions {
    /// Options from `WGTRAIN_BACKEND` and `WGTRAIN_ADAPTER`.
    pub fn from_env() -> Result<Self> {
        let backend = match std::env::var("WGTRAIN_BACKEND") {
            Ok(v) if !v.trim().is_empty() => Some(parse_backend(&v)?),
            _ => None,
        };
        let adapter_name = std::env::var("WGTRAIN_ADAPTER")
            .ok()
            .filter(|s| !s.trim().is_empty());
        Ok(GpuOptions {
            backend,
            adapter_name,
        })
    }
}

/// Parse a backend name as `WGTRAIN_BACKEND` spells it.
pub fn parse_backend(name: &str) -> Result<wgpu::Backends> {
    match name.trim().to_ascii_lowercase().as_str() {
        "vulkan" | "vk" => Ok(wgpu::Backends::VULKAN),
        "metal" | "mtl" => Ok(wgpu::Backends::METAL),
        "dx12" | "d3d12" => Ok(wgpu::Backends::DX12),
        "gl" | "gles" | "opengl" => Ok(wgpu::Backends::GL),
        other => Err(Error::BadSetting {
            name: "WGTRAIN_BACKEND",
            value: other.to_string(),
            reason: "expected one of vulkan, metal, dx12, gl".into(),
        }),
    }
}

/// The instance for the requested backends (all of them by default).
pub fn instance(opts: &GpuOptions) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    if let Some(b) = opts.backend {
        desc.backends = b;
    }
    wgpu::Instance::new(desc)
}

/// Every adapter this instance can see.
pub fn enumerate(instance: &wgpu::Instance, opts: &GpuOptions) -> Vec<wgpu::Adapter> {
    let backends = opts.backend.unwrap_or(wgpu::Backends::all());
    pollster::block_on(instance.enumerate_adapters(backends))
}

/// Choose the adapter the options ask for.
pub fn choose(instance: &wgpu::Instance, opts: &GpuOptions) -> Result<wgpu::Adapter> {
    if let Some(want) = &opts.adapter_name {
        let want_lc = want.to_ascii_lowercase();
        let all = enumerate(instance, opts);
        let names: Vec<String> = all
            .iter()
            .map(|a| format!("{} ({:?})", a.get_info().name, a.get_info().backend))
            .collect();
        return all
            .into_iter()
            .find(|a| a.get_info().name.to_ascii_lowercase().contains(&want_lc))
            .ok_or_else(|| Error::NoAdapter {
                detail: format!(
                    " whose name contains WGTRAIN_ADAPTER={want:?}; adapters seen: [{}]",
                    names.join(", ")
                ),
            });
    }
    let req = wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        ..Default::default()
    };
    pollster::block_on(instance.request_adapter(&req)).map_err(|e| Error::NoAdapter {
        detail: match opts.backend {
            Some(b) => format!(" for backend {b:?} ({e})"),
            None => format!(" ({e})"),
        },
    })
}
