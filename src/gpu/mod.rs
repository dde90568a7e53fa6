//! The GPU runtime: `Gpu` holds one wgpu device and queue, its limits and tuning, and the
//! caches. Creating it is here, opening an adapter in `native.rs` (and `adapter.rs`) or, in
//! the browser build, `web.rs`; the rest is split by job:
//! `transfer.rs` (allocate, upload, write, download), `read_async.rs` (reads that do not
//! stall), `dispatch.rs` (pipelines, uniforms, bind groups, recording a dispatch),
//! `profiler.rs` (per-kernel timing), `recorder.rs` (the open encoder), `pool.rs`
//! (buffer reuse), `registry.rs` (every shader and entry point, declared once).

mod adapter;
pub mod autotune;
pub mod cost;
mod dispatch;
pub mod matmul_choice;
#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
mod noop;
mod pool;
mod profiler;
mod read_async;
mod recorder;
mod registry;
mod tensor;
mod transfer;
mod tuning;
pub mod validation;
#[cfg(target_arch = "wasm32")]
mod web;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use adapter::{parse_backend, GpuOptions};
pub use profiler::{Profile, ProfileMethod, ProfileRow};
pub use read_async::PendingRead;
pub use registry::{EntryPoint, Saved, Shader, Unary};
pub use tensor::{DType, GpuTensor};
pub use tuning::Tuning;

use crate::error::{Error, Result};
use pool::BufferPool;
use recorder::Recorder;

/// What wgtrain runs on: the adapter and the limits it was given.
#[derive(Clone, Debug)]
pub struct GpuInfo {
    /// The adapter's name, as the driver reports it.
    pub name: String,
    /// PCI vendor id (0x10de NVIDIA, 0x1002 AMD, 0x8086 Intel; 0x10005 Mesa).
    pub vendor: u32,
    /// The graphics API in use (Vulkan, Metal, DX12, GL).
    pub backend: wgpu::Backend,
    /// Discrete, integrated, virtual or CPU.
    pub device_type: wgpu::DeviceType,
    /// The driver's name and version, as reported (may be empty).
    pub driver: String,
    /// The limits the device was created with.
    pub limits: wgpu::Limits,
    /// The features the device was created with.
    pub features: wgpu::Features,
}

impl GpuInfo {
    /// True on software rasterisers such as lavapipe / llvmpipe.
    pub fn is_cpu(&self) -> bool {
        self.device_type == wgpu::DeviceType::Cpu
    }

    /// True when GPU timestamp queries are available.
    pub fn has_timestamps(&self) -> bool {
        self.features.contains(wgpu::Features::TIMESTAMP_QUERY)
    }
}

impl std::fmt::Display for GpuInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let l = &self.limits;
        write!(
            f,
            "{} ({:?}, {:?}, driver {:?}); max_storage_buffer_binding_size {} MiB, \
             max_buffer_size {} MiB, max_compute_workgroups_per_dimension {}, \
             max_compute_invocations_per_workgroup {}, timestamps {}",
            self.name,
            self.backend,
            self.device_type,
            self.driver,
            l.max_storage_buffer_binding_size / (1 << 20),
            l.max_buffer_size / (1 << 20),
            l.max_compute_workgroups_per_dimension,
            l.max_compute_invocations_per_workgroup,
            if self.has_timestamps() { "yes" } else { "no" },
        )
    }
}

/// Cache key for bind groups: the kernel and the exact buffer ranges bound (buffer, byte
/// offset, elements).
type BindKey = (EntryPoint, Vec<(wgpu::Buffer, u64, u64)>);

/// A GPU device ready to run wgtrain's kernels. Cheap to share by reference across
/// threads; all recording goes through an internal lock.
pub struct Gpu {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    info: GpuInfo,
    tuning: Tuning,
    modules: Mutex<HashMap<Shader, wgpu::ShaderModule>>,
    pipelines: Mutex<HashMap<EntryPoint, (wgpu::ComputePipeline, wgpu::BindGroupLayout, u32)>>,
    uniforms: Mutex<HashMap<Vec<u32>, wgpu::Buffer>>,
    /// Threads per workgroup of each shader's entry points (the cost trace).
    workgroup_sizes: Mutex<HashMap<Shader, HashMap<String, u32>>>,
    bind_groups: Mutex<HashMap<BindKey, wgpu::BindGroup>>,
    pool: Arc<BufferPool>,
    recorder: Mutex<Recorder>,
    device_error: Arc<Mutex<Option<String>>>,
    /// Opened under the validation layer (`GpuOptions::validation`).
    validation: bool,
    /// Fused work on (the default) or one dispatch per op: `set_fused`.
    fused: std::sync::atomic::AtomicBool,
    /// `set_split_k_above`'s value; `usize::MAX`: the tuning's.
    split_k_above: std::sync::atomic::AtomicUsize,
    /// Why the adapter was chosen (`Gpu::chosen_because`).
    chosen_because: String,
    /// `Gpu::never_written`'s tensor, made on first use.
    never_written: std::sync::OnceLock<GpuTensor>,
}

/// Usage of every tensor buffer: bound as storage, copied in and out.
const TENSOR_USAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

impl Gpu {
    /// What wgtrain asks of `adapter`: its own limits, and timestamp queries when offered.
    pub(crate) fn device_descriptor(adapter: &wgpu::Adapter) -> wgpu::DeviceDescriptor<'static> {
        let wanted = wgpu::Features::TIMESTAMP_QUERY
            | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES
            | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS;
        wgpu::DeviceDescriptor {
            label: Some("wgtrain"),
            required_features: adapter.features() & wanted,
            required_limits: adapter.limits(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }
    }

    /// The runtime around a device opened on `adapter` with `desc` (natively by
    /// `from_adapter`, in the browser by `Gpu::open_browser`).
    pub(crate) fn from_device(
        adapter: &wgpu::Adapter,
        desc: &wgpu::DeviceDescriptor,
        device: wgpu::Device,
        queue: wgpu::Queue,
    ) -> Gpu {
        let ainfo = adapter.get_info();
        let (limits, features) = (desc.required_limits.clone(), desc.required_features);
        let device_error = Arc::new(Mutex::new(None::<String>));
        let sink = device_error.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut slot = sink.lock().expect("error slot");
            if slot.is_none() {
                *slot = Some(e.to_string());
            }
        }));
        let info = GpuInfo {
            name: ainfo.name,
            vendor: ainfo.vendor,
            backend: ainfo.backend,
            device_type: ainfo.device_type,
            driver: if ainfo.driver_info.is_empty() {
                ainfo.driver
            } else {
                format!("{} {}", ainfo.driver, ainfo.driver_info)
            },
            limits,
            features,
        };
        let tuning = Tuning::for_adapter(&info);
        Gpu {
            device,
            queue,
            info,
            tuning,
            modules: Mutex::default(),
            pipelines: Mutex::default(),
            uniforms: Mutex::default(),
            workgroup_sizes: Mutex::default(),
            bind_groups: Mutex::default(),
            pool: Arc::default(),
            recorder: Mutex::new(Recorder::default()),
            device_error,
            validation: false,
            fused: std::sync::atomic::AtomicBool::new(true),
            split_k_above: std::sync::atomic::AtomicUsize::new(usize::MAX),
            chosen_because: "handed over by the caller".into(),
            never_written: std::sync::OnceLock::new(),
        }
    }

    /// Why this adapter was chosen ("no Vulkan, Metal or DX12 adapter was found, so wgpu
    /// fell back to GL …"), for start-up messages.
    pub fn chosen_because(&self) -> &str {
        &self.chosen_because
    }

    /// Adapter name, backend, device type and the limits in use.
    pub fn info(&self) -> &GpuInfo {
        &self.info
    }

    /// Kernel launch settings chosen for this adapter.
    pub fn tuning(&self) -> &Tuning {
        &self.tuning
    }

    /// The wgpu device, for callers that build their own pipelines.
    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// The wgpu queue, for callers that submit their own commands.
    pub fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    /// Buffers the pool has created so far. Repeating work with the same shapes
    /// leaves this unchanged.
    pub fn buffer_allocations(&self) -> u64 {
        self.pool.allocations()
    }

    /// Bytes of the buffers the pool has created so far.
    pub fn buffer_bytes_allocated(&self) -> u64 {
        self.pool.bytes_allocated()
    }

    /// Whether models compiled from now on fuse work into fewer dispatches (the default):
    /// parameters, gradients and slots in arenas (one optimizer dispatch per step), the
    /// bias gradient inside the weight-gradient matmul, a ReLU's derivative inside the
    /// next layer's backward, a step's cross-entropy, gradient and sums in one kernel. Off:
    /// one dispatch per op, for measuring. The results are the same bit for bit
    /// (`tests/resident.rs`).
    pub fn set_fused(&self, on: bool) {
        self.fused.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the workgroup-memory tiled matmul (`matmul_tiled.wgsl`) is offered here:
    /// not through GL, where llvmpipe's GLSL compiler took ~27 s per tiled pipeline (166 s
    /// for the six, against well under a second through Vulkan), which a first step or
    /// the autotune cannot pay.
    pub fn offers_tiled_matmul(&self) -> bool {
        self.info.backend != wgpu::Backend::Gl
    }

    /// The matmul table this adapter starts from before any tune: the register family on
    /// CPU adapters, the split family on GPUs.
    pub fn default_matmul_table(&self) -> matmul_choice::MatmulTable {
        matmul_choice::MatmulTable::for_device(self.info.is_cpu())
    }

    /// Matmuls with an inner dimension above this are split-K (`Tuning::split_k_above`
    /// unless set here).
    pub fn split_k_above(&self) -> usize {
        match self
            .split_k_above
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            usize::MAX => self.tuning.split_k_above,
            n => n,
        }
    }

    /// Split matmuls above this inner dimension from now on (`None`: the tuning's value),
    /// to test and measure the split path on any adapter.
    pub fn set_split_k_above(&self, above: Option<usize>) {
        let v = above.map_or(usize::MAX, |n| n.min(usize::MAX - 1));
        self.split_k_above
            .store(v, std::sync::atomic::Ordering::Relaxed);
    }

    /// See [`set_fused`](Self::set_fused).
    pub fn fused(&self) -> bool {
        self.fused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// (dispatches recorded, queue submissions) since this `Gpu` was created.
    pub fn command_counts(&self) -> (u64, u64) {
        let rec = self.recorder.lock().expect("recorder");
        (rec.dispatches, rec.submissions)
    }

    /// Start recording the shape of every dispatch (`cost::DispatchRecord`), dropping any
    /// trace not yet taken.
    pub fn start_trace(&self) {
        self.recorder.lock().expect("recorder").trace = Some(Vec::new());
    }

    /// The dispatches recorded since `start_trace`; tracing stops.
    pub fn take_trace(&self) -> Vec<cost::DispatchRecord> {
        self.recorder
            .lock()
            .expect("recorder")
            .trace
            .take()
            .unwrap_or_default()
    }

    /// (pipelines, uniform blocks, bind groups) currently cached.
    pub fn cache_sizes(&self) -> (usize, usize, usize) {
        (
            self.pipelines.lock().expect("pipelines").len(),
            self.uniforms.lock().expect("uniforms").len(),
            self.bind_groups.lock().expect("bind groups").len(),
        )
    }

    /// Release free pooled buffers and cached bind groups.
    pub fn trim(&self) {
        self.bind_groups.lock().expect("bind group cache").clear();
        self.pool.trim();
    }

    /// Submit everything recorded so far without waiting.
    pub fn flush(&self) {
        self.recorder
            .lock()
            .expect("recorder")
            .submit(&self.device, &self.queue);
    }

    /// Submit everything recorded so far and wait until the GPU has finished it.
    pub fn synchronize(&self) -> Result<()> {
        self.flush();
        self.wait()
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn wait(&self) -> Result<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| self.gpu_err("wait", e.to_string()))?;
        self.check_device_error("wait")?;
        validation::check(&format!("work submitted to {}", self.info.name))
    }

    /// Return (and clear) the first error wgpu reported outside a call.
    fn check_device_error(&self, context: &str) -> Result<()> {
        match self.device_error.lock().expect("error slot").take() {
            Some(message) => Err(Error::Gpu {
                context: context.to_string(),
                message,
            }),
            None => Ok(()),
        }
    }

    pub(crate) fn gpu_err(&self, context: &str, message: String) -> Error {
        Error::Gpu {
            context: format!("{context} on {}", self.info.name),
            message,
        }
    }
}
