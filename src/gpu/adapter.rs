//! Adapter selection: which GPU wgtrain runs on, from the environment or from options,
//! and the instance it is found through (with the validation layer when asked).

use crate::error::{Error, Result};

/// How to choose the adapter. `GpuOptions::from_env()` reads `WGTRAIN_BACKEND`
/// (vulkan | metal | dx12 | gl) and `WGTRAIN_ADAPTER` (a case-insensitive substring
/// of the adapter name); without them wgtrain asks for the high-performance adapter.
/// It also reads `WGTRAIN_VALIDATION` and `WGTRAIN_TUNE`.
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// Restrict to one graphics API (a wgpu backend: Vulkan, Metal, DX12, GL).
    pub backend: Option<wgpu::Backends>,
    /// Pick the first adapter whose name contains this (case-insensitive).
    pub adapter_name: Option<String>,
    /// Run under the driver's validation (the Khronos validation layer with
    /// synchronization validation on Vulkan, debug output on GL); every message it reports
    /// becomes an [`Error::Validation`] at the next wait. `WGTRAIN_VALIDATION=1`.
    pub validation: bool,
    /// The matmul autotune: the cached table or a fresh tune (default), or the measured
    /// defaults (`WGTRAIN_TUNE=off`).
    pub tune: super::autotune::TuneMode,
}

impl GpuOptions {
    /// Options from `WGTRAIN_BACKEND`, `WGTRAIN_ADAPTER` and `WGTRAIN_VALIDATION`.
    pub fn from_env() -> Result<Self> {
        let backend = match std::env::var("WGTRAIN_BACKEND") {
            Ok(v) if !v.trim().is_empty() => Some(parse_backend(&v)?),
            _ => None,
        };
        let adapter_name = std::env::var("WGTRAIN_ADAPTER")
            .ok()
            .filter(|s| !s.trim().is_empty());
        let validation = match std::env::var("WGTRAIN_VALIDATION") {
            Ok(v) => match v.trim() {
                "" | "0" => false,
                "1" => true,
                other => {
                    return Err(Error::BadSetting {
                        name: "WGTRAIN_VALIDATION",
                        value: other.to_string(),
                        reason: "expected 1 (validation on) or 0".into(),
                    })
                }
            },
            Err(_) => false,
        };
        Ok(GpuOptions {
            backend,
            adapter_name,
            validation,
            tune: super::autotune::TuneMode::from_env()?,
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

/// The instance for the requested backends (all of them by default), with validation
/// when asked (the collecting logger is installed first).
#[cfg(not(target_arch = "wasm32"))]
pub fn instance(opts: &GpuOptions) -> Result<wgpu::Instance> {
    quiet_device_select_layer();
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    if let Some(b) = opts.backend {
        desc.backends = b;
    }
    if opts.validation {
        super::validation::install()?;
        // DEBUG too: wgpu-hal registers its debug messenger (through which the layer's
        // messages reach `log`) only with it.
        desc.flags |= wgpu::InstanceFlags::VALIDATION | wgpu::InstanceFlags::DEBUG;
    }
    Ok(wgpu::Instance::new(desc))
}

/// Mesa's implicit device-select Vulkan layer asks Wayland for the default GPU, and
/// libwayland prints `error: XDG_RUNTIME_DIR is invalid or not set in the environment.`
/// on machines without a session (servers, CI, containers), which reads like an error of
/// ours. wgtrain picks its adapter itself, so the layer is switched off with its own
/// `NODEVICE_SELECT=1`, once, before the first instance, unless the user configured it
/// (`NODEVICE_SELECT` or `MESA_VK_DEVICE_SELECT` set).
#[cfg(not(target_arch = "wasm32"))]
fn quiet_device_select_layer() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let configured = std::env::var_os("NODEVICE_SELECT").is_some()
            || std::env::var_os("MESA_VK_DEVICE_SELECT").is_some();
        if !configured {
            // Before any Vulkan instance exists, so no driver thread reads the
            // environment concurrently; later instances are created after this returns.
            std::env::set_var("NODEVICE_SELECT", "1");
        }
    });
}

/// Every adapter this instance can see.
#[cfg(not(target_arch = "wasm32"))]
pub fn enumerate(instance: &wgpu::Instance, opts: &GpuOptions) -> Vec<wgpu::Adapter> {
    let backends = opts.backend.unwrap_or(wgpu::Backends::all());
    pollster::block_on(instance.enumerate_adapters(backends))
}

/// Choose the adapter the options ask for, with why it was chosen (printed at start-up,
/// so a user who lacks a Vulkan driver sees why they got GL); with validation on a Vulkan
/// adapter, the Khronos layer must be installed (else validation would silently be off).
#[cfg(not(target_arch = "wasm32"))]
pub fn choose(instance: &wgpu::Instance, opts: &GpuOptions) -> Result<(wgpu::Adapter, String)> {
    let adapter = choose_any(instance, opts)?;
    let reason = why_chosen(instance, opts, &adapter.get_info());
    if opts.validation
        && adapter.get_info().backend == wgpu::Backend::Vulkan
        && !super::validation::vulkan_layer_present(instance)
    {
        return Err(Error::BadSetting {
            name: "WGTRAIN_VALIDATION",
            value: "1".into(),
            reason: "the Khronos validation layer (VK_LAYER_KHRONOS_validation) is not \
                     installed; on Debian/Ubuntu: apt-get install vulkan-validationlayers"
                .into(),
        });
    }
    Ok((adapter, reason))
}

/// Why `chosen` was picked, in words.
#[cfg(not(target_arch = "wasm32"))]
fn why_chosen(instance: &wgpu::Instance, opts: &GpuOptions, chosen: &wgpu::AdapterInfo) -> String {
    if let Some(want) = &opts.adapter_name {
        return format!("its name matches WGTRAIN_ADAPTER={want:?}");
    }
    if opts.backend.is_some() {
        return format!("WGTRAIN_BACKEND asked for {:?}", chosen.backend);
    }
    let others: Vec<wgpu::Backend> = enumerate(instance, opts)
        .iter()
        .map(|a| a.get_info().backend)
        .collect();
    if chosen.backend == wgpu::Backend::Gl && !others.iter().any(|b| *b != wgpu::Backend::Gl) {
        return "no Vulkan, Metal or DX12 adapter was found, so wgpu fell back to GL (slower; \
                on Linux without a GPU install mesa-vulkan-drivers and libvulkan1 for \
                lavapipe)"
            .into();
    }
    format!(
        "wgpu's high-performance choice among {} adapter(s); set WGTRAIN_BACKEND or \
         WGTRAIN_ADAPTER to pick another (`wgtrain devices` lists them)",
        others.len()
    )
}

#[cfg(not(target_arch = "wasm32"))]
fn choose_any(instance: &wgpu::Instance, opts: &GpuOptions) -> Result<wgpu::Adapter> {
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
