//! The GPU runtime: one wgpu device and queue, the kernel pipelines (built on first use
//! and cached), the buffer pool, and the command recorder that batches dispatches into
//! one encoder until a result is read back.

mod adapter;
mod kernels;
mod pool;
mod profiler;
mod recorder;
mod tensor;
mod tuning;
pub mod validation;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use adapter::{parse_backend, GpuOptions};
pub use kernels::{Kernel, Saved, Shader, Unary};
pub use profiler::{Profile, ProfileMethod, ProfileRow};
pub use tensor::{DType, GpuTensor};
pub use tuning::Tuning;

use crate::error::{Error, Result};
use pool::BufferPool;
use recorder::Recorder;

/// What wgtrain runs on: the adapter and the limits it was given.
#[derive(Clone, Debug)]
pub struct GpuInfo {
    pub name: String,
    /// PCI vendor id (0x10de NVIDIA, 0x1002 AMD, 0x8086 Intel; 0x10005 Mesa).
    pub vendor: u32,
    pub backend: wgpu::Backend,
    pub device_type: wgpu::DeviceType,
    pub driver: String,
    pub limits: wgpu::Limits,
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

/// A read started by [`Gpu::read_async`].
pub struct PendingRead {
    staging: wgpu::Buffer,
    size: u64,
    /// 0 waiting, 1 mapped, 2 failed.
    ready: Arc<std::sync::atomic::AtomicU8>,
}

/// Cache key for bind groups: the kernel and the exact buffers bound.
type BindKey = (Kernel, Vec<wgpu::Buffer>);

/// A GPU device ready to run wgtrain's kernels. Cheap to share by reference across
/// threads; all recording goes through an internal lock.
pub struct Gpu {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    info: GpuInfo,
    tuning: Tuning,
    modules: Mutex<HashMap<Shader, wgpu::ShaderModule>>,
    pipelines: Mutex<HashMap<Kernel, (wgpu::ComputePipeline, wgpu::BindGroupLayout)>>,
    uniforms: Mutex<HashMap<Vec<u32>, wgpu::Buffer>>,
    bind_groups: Mutex<HashMap<BindKey, wgpu::BindGroup>>,
    pool: Arc<BufferPool>,
    recorder: Mutex<Recorder>,
    device_error: Arc<Mutex<Option<String>>>,
    /// Opened under the validation layer (`GpuOptions::validation`).
    validation: bool,
}

/// Usage of every tensor buffer: bound as storage, copied in and out.
const TENSOR_USAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

impl Gpu {
    /// Open the adapter chosen by `WGTRAIN_BACKEND` / `WGTRAIN_ADAPTER`, or the
    /// high-performance one.
    pub fn new() -> Result<Gpu> {
        Gpu::with_options(&GpuOptions::from_env()?)
    }

    /// Open the adapter chosen by `opts`.
    pub fn with_options(opts: &GpuOptions) -> Result<Gpu> {
        let instance = adapter::instance(opts)?;
        let adapter = adapter::choose(&instance, opts).map_err(|e| match e {
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
        let ainfo = adapter.get_info();
        let limits = adapter.limits();
        let wanted = wgpu::Features::TIMESTAMP_QUERY
            | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES
            | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS;
        let features = adapter.features() & wanted;
        let desc = wgpu::DeviceDescriptor {
            label: Some("wgtrain"),
            required_features: features,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc)).map_err(|e| {
            Error::DeviceRequest {
                adapter: ainfo.name.clone(),
                reason: e.to_string(),
            }
        })?;
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
        Ok(Gpu {
            device,
            queue,
            info,
            tuning,
            modules: Mutex::default(),
            pipelines: Mutex::default(),
            uniforms: Mutex::default(),
            bind_groups: Mutex::default(),
            pool: Arc::default(),
            recorder: Mutex::new(Recorder::default()),
            device_error,
            validation: false,
        })
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

    /// (dispatches recorded, queue submissions) since this `Gpu` was created.
    pub fn command_counts(&self) -> (u64, u64) {
        let rec = self.recorder.lock().expect("recorder");
        (rec.dispatches, rec.submissions)
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

    /// Check that a tensor of `shape` fits one storage binding on this adapter.
    pub fn check_fits(&self, what: &str, shape: &[usize]) -> Result<()> {
        let bytes = shape.iter().product::<usize>() as u64 * 4;
        let limit = self
            .info
            .limits
            .max_storage_buffer_binding_size
            .min(self.info.limits.max_buffer_size);
        if bytes > limit {
            return Err(Error::TensorTooLarge {
                what: what.to_string(),
                shape: shape.to_vec(),
                bytes,
                limit,
                adapter: self.info.name.clone(),
            });
        }
        Ok(())
    }

    /// An uninitialised tensor from the pool (its contents are whatever was there).
    pub fn empty(&self, shape: &[usize], dtype: DType) -> Result<GpuTensor> {
        self.check_fits("(new)", shape)?;
        let bytes = shape.iter().product::<usize>() as u64 * 4;
        let buffer = self.pool.take(&self.device, bytes, TENSOR_USAGE);
        Ok(GpuTensor::new(
            buffer,
            shape.to_vec(),
            dtype,
            self.pool.clone(),
        ))
    }

    /// A tensor of zeros (cleared on the GPU, in order with recorded work).
    pub fn zeros(&self, shape: &[usize]) -> Result<GpuTensor> {
        let t = self.empty(shape, DType::F32)?;
        self.recorder
            .lock()
            .expect("recorder")
            .clear(&self.device, &t.buffer);
        Ok(t)
    }

    /// Copy host data into a new f32 tensor.
    pub fn upload(&self, shape: &[usize], data: &[f32]) -> Result<GpuTensor> {
        self.upload_bytes(shape, DType::F32, bytemuck::cast_slice(data), data.len())
    }

    /// Copy host data into a new u32 tensor.
    pub fn upload_u32(&self, shape: &[usize], data: &[u32]) -> Result<GpuTensor> {
        self.upload_bytes(shape, DType::U32, bytemuck::cast_slice(data), data.len())
    }

    fn upload_bytes(
        &self,
        shape: &[usize],
        dtype: DType,
        bytes: &[u8],
        n: usize,
    ) -> Result<GpuTensor> {
        let want: usize = shape.iter().product();
        if want != n {
            return crate::error::shape_err(
                "upload",
                format!("shape {shape:?} holds {want} elements but {n} were given"),
            );
        }
        self.check_fits("(upload)", shape)?;
        let t = self.empty(shape, dtype)?;
        // Work already recorded may still read the recycled buffer: submit it first so
        // the queue write lands after it.
        self.flush();
        if !bytes.is_empty() {
            self.queue.write_buffer(&t.buffer, 0, bytes);
        }
        Ok(t)
    }

    /// Overwrite an existing tensor's contents from the host (same element count).
    pub fn write(&self, t: &GpuTensor, data: &[f32]) -> Result<()> {
        self.write_bytes(t, bytemuck::cast_slice(data), data.len())
    }

    /// Overwrite an existing u32 tensor's contents from the host (same element count).
    pub fn write_u32(&self, t: &GpuTensor, data: &[u32]) -> Result<()> {
        self.write_bytes(t, bytemuck::cast_slice(data), data.len())
    }

    fn write_bytes(&self, t: &GpuTensor, bytes: &[u8], n: usize) -> Result<()> {
        if n != t.len() {
            return crate::error::shape_err(
                "write",
                format!(
                    "tensor {:?} holds {} elements but {n} were given",
                    t.shape,
                    t.len(),
                ),
            );
        }
        // Recorded work may still read the old contents: submit it first so the write
        // lands after it.
        self.flush();
        if !bytes.is_empty() {
            self.queue.write_buffer(&t.buffer, 0, bytes);
        }
        Ok(())
    }

    /// Read an f32 tensor back to the host. Submits all recorded work and waits for it.
    pub fn download(&self, t: &GpuTensor) -> Result<Vec<f32>> {
        let bytes = self.download_bytes(t)?;
        Ok(bytemuck::cast_slice(&bytes).to_vec())
    }

    /// Read a u32 tensor back to the host.
    pub fn download_u32(&self, t: &GpuTensor) -> Result<Vec<u32>> {
        let bytes = self.download_bytes(t)?;
        Ok(bytemuck::cast_slice(&bytes).to_vec())
    }

    fn download_bytes(&self, t: &GpuTensor) -> Result<Vec<u8>> {
        let size = t.len() as u64 * 4;
        if size == 0 {
            return Ok(Vec::new());
        }
        let usage = wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST;
        let staging = self.pool.take(&self.device, size, usage);
        {
            let mut rec = self.recorder.lock().expect("recorder");
            rec.copy(&self.device, &t.buffer, &staging, size);
            rec.submit(&self.device, &self.queue);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        staging.map_async(wgpu::MapMode::Read, 0..size, move |r| {
            let _ = tx.send(r);
        });
        self.wait()?;
        rx.recv()
            .map_err(|e| self.gpu_err("download", e.to_string()))?
            .map_err(|e| self.gpu_err("download", e.to_string()))?;
        let out = {
            let view = staging
                .get_mapped_range(0..size)
                .map_err(|e| self.gpu_err("download", e.to_string()))?;
            view.to_vec()
        };
        staging.unmap();
        self.pool.give(staging);
        Ok(out)
    }

    /// Start (or stop) timing every kernel: GPU timestamp queries when the adapter has
    /// them, CPU wall clock per kernel otherwise. Starting clears earlier figures.
    /// Profiling splits work into one pass per kernel and waits at each submission, so
    /// it slows the run down a little; the per-kernel times are what it is for.
    pub fn set_profiling(&self, on: bool) {
        let best = match self.info.has_timestamps() {
            true => ProfileMethod::GpuTimestamps,
            false => ProfileMethod::CpuWallClock,
        };
        // The best method is always available.
        let _ = self.set_profiling_method(on.then_some(best));
    }

    /// Like [`set_profiling`](Self::set_profiling) with the method chosen (`None` stops).
    /// Asking for timestamps on an adapter without them is an error.
    pub fn set_profiling_method(&self, method: Option<ProfileMethod>) -> Result<()> {
        if method == Some(ProfileMethod::GpuTimestamps) && !self.info.has_timestamps() {
            return Err(Error::Gpu {
                context: format!("profiling on {}", self.info.name),
                message: "this adapter offers no timestamp queries; use the CPU clock".into(),
            });
        }
        self.flush();
        let mut rec = self.recorder.lock().expect("recorder");
        rec.profiler = method.map(|m| {
            profiler::Profiler::new(&self.device, &self.queue, m == ProfileMethod::GpuTimestamps)
        });
        Ok(())
    }

    /// Kernel times since profiling was switched on (submits recorded work first), or
    /// `None` when it is off.
    pub fn profile(&self) -> Option<Profile> {
        self.flush();
        let rec = self.recorder.lock().expect("recorder");
        rec.profiler.as_ref().map(|p| p.report())
    }

    /// Start reading small f32 tensors back without waiting: their values are copied
    /// (after all work recorded so far, which is submitted now) into one mappable
    /// buffer; [`poll_read`](Self::poll_read) hands them over once the GPU got there.
    /// Progress bars use this so that showing the running loss never stalls the queue.
    pub fn read_async(&self, ts: &[&GpuTensor]) -> Result<PendingRead> {
        let size: u64 = ts.iter().map(|t| t.len() as u64 * 4).sum::<u64>().max(4);
        let usage = wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST;
        let staging = self.pool.take(&self.device, size, usage);
        {
            let mut rec = self.recorder.lock().expect("recorder");
            let mut offset = 0;
            for t in ts {
                let n = t.len() as u64 * 4;
                if n > 0 {
                    rec.copy_at(&self.device, &t.buffer, &staging, offset, n);
                }
                offset += n;
            }
            rec.submit(&self.device, &self.queue);
        }
        let ready = Arc::new(std::sync::atomic::AtomicU8::new(0));
        let flag = ready.clone();
        staging.map_async(wgpu::MapMode::Read, 0..size, move |r| {
            flag.store(
                if r.is_ok() { 1 } else { 2 },
                std::sync::atomic::Ordering::Release,
            );
        });
        Ok(PendingRead {
            staging,
            size,
            ready,
        })
    }

    /// The values of the read in `slot` once they have arrived (the slot is emptied and
    /// its buffer recycled); `None` while the GPU is still behind or the slot is empty.
    /// Never blocks.
    pub fn poll_read(&self, slot: &mut Option<PendingRead>) -> Result<Option<Vec<f32>>> {
        let Some(r) = slot.as_ref() else {
            return Ok(None);
        };
        self.device
            .poll(wgpu::PollType::Poll)
            .map_err(|e| self.gpu_err("poll", e.to_string()))?;
        match r.ready.load(std::sync::atomic::Ordering::Acquire) {
            0 => Ok(None),
            1 => {
                let r = slot.take().expect("checked above");
                let out = {
                    let view = r
                        .staging
                        .get_mapped_range(0..r.size)
                        .map_err(|e| self.gpu_err("read_async", e.to_string()))?;
                    bytemuck::cast_slice::<u8, f32>(&view).to_vec()
                };
                r.staging.unmap();
                self.pool.give(r.staging);
                Ok(Some(out))
            }
            _ => {
                *slot = None;
                Err(self.gpu_err("read_async", "mapping the read-back buffer failed".into()))
            }
        }
    }

    /// Like [`poll_read`](Self::poll_read), waiting until the values are there.
    pub fn wait_read(&self, slot: &mut Option<PendingRead>) -> Result<Option<Vec<f32>>> {
        if slot.is_none() {
            return Ok(None);
        }
        self.wait()?;
        self.poll_read(slot)
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

    fn gpu_err(&self, context: &str, message: String) -> Error {
        Error::Gpu {
            context: format!("{context} on {}", self.info.name),
            message,
        }
    }

    /// Record one dispatch of `kernel` with uniform `params` and storage `buffers`
    /// (bindings 1..), over `groups` workgroups. Nothing is submitted.
    pub(crate) fn dispatch(
        &self,
        kernel: Kernel,
        params: &[u32],
        buffers: &[&wgpu::Buffer],
        groups: [u32; 3],
    ) -> Result<()> {
        assert_eq!(
            buffers.len(),
            kernel.storage_bindings(),
            "launcher for {} passed the wrong number of buffers",
            kernel.name()
        );
        let limit = self.info.limits.max_compute_workgroups_per_dimension;
        if let Some(&g) = groups.iter().find(|&&g| g > limit) {
            return Err(Error::TooManyWorkgroups {
                kernel: kernel.name(),
                groups: g as u64,
                limit,
            });
        }
        if groups.contains(&0) {
            return Ok(());
        }
        let pipeline = self.pipeline(kernel)?;
        let uniform = kernel.has_params().then(|| self.uniform(params));
        let bind_group = self.bind_group(kernel, uniform.as_ref(), buffers)?;
        let mut rec = self.recorder.lock().expect("recorder");
        if rec.dispatch(
            &self.device,
            &self.queue,
            kernel.name(),
            &pipeline,
            &bind_group,
            groups,
        ) {
            rec.submit(&self.device, &self.queue);
        }
        Ok(())
    }

    /// The cached pipeline for `kernel`, built on first use. The cache stays locked while
    /// building so two threads never build the same kernel twice: bind groups made for one
    /// auto-layout pipeline are not valid with another.
    fn pipeline(&self, kernel: Kernel) -> Result<wgpu::ComputePipeline> {
        let mut pipelines = self.pipelines.lock().expect("pipelines");
        if let Some((p, _)) = pipelines.get(&kernel) {
            return Ok(p.clone());
        }
        let entry = kernel.name();
        let module = self.module(kernel.shader())?;
        let constants: Vec<(&str, f64)> = kernel
            .overrides()
            .iter()
            .map(|&name| match name {
                "WG_X" => (name, self.tuning.matmul_wg_x as f64),
                other => unreachable!("no tuning value for override {other}"),
            })
            .collect();
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &constants,
                    ..Default::default()
                },
                cache: None,
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(self.gpu_err(&format!("building pipeline {entry}"), e.to_string()));
        }
        let layout = pipeline.get_bind_group_layout(0);
        pipelines.insert(kernel, (pipeline.clone(), layout));
        Ok(pipeline)
    }

    fn module(&self, shader: Shader) -> Result<wgpu::ShaderModule> {
        if let Some(m) = self.modules.lock().expect("modules").get(&shader) {
            return Ok(m.clone());
        }
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let source = if self.validation {
            // Under validation the module goes in parsed: wgpu then embeds no WGSL source
            // in the SPIR-V (it does for text when debugging), whose OpSource language
            // WGSL older validation layers reject, which stops their SPIR-V checks early.
            let module = naga::front::wgsl::parse_str(shader.source()).map_err(|e| {
                self.gpu_err(
                    &format!("parsing shaders/{}", shader.file_name()),
                    e.emit_to_string(shader.source()),
                )
            })?;
            wgpu::ShaderSource::Naga(std::borrow::Cow::Owned(module))
        } else {
            wgpu::ShaderSource::Wgsl(shader.source().into())
        };
        let desc = wgpu::ShaderModuleDescriptor {
            label: Some(shader.file_name()),
            source,
        };
        let module = if self.tuning.unchecked_shaders {
            // SAFETY: every launcher checks buffer lengths against the shapes it passes,
            // and every kernel clamps or guards each index it computes (tests/ops/
            // runs them on shapes 1, 7, 33, 257 and against CPU twins), so no access
            // leaves its binding.
            unsafe {
                self.device
                    .create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked())
            }
        } else {
            self.device.create_shader_module(desc)
        };
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(self.gpu_err(
                &format!("compiling shaders/{}", shader.file_name()),
                e.to_string(),
            ));
        }
        self.modules
            .lock()
            .expect("modules")
            .insert(shader, module.clone());
        Ok(module)
    }

    /// A uniform buffer holding `params`, cached by content (training repeats shapes).
    fn uniform(&self, params: &[u32]) -> wgpu::Buffer {
        let mut padded = params.to_vec();
        padded.resize(params.len().div_ceil(4).max(1) * 4, 0);
        let mut cache = self.uniforms.lock().expect("uniforms");
        if let Some(b) = cache.get(&padded) {
            return b.clone();
        }
        let buf = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("wgtrain params"),
            size: padded.len() as u64 * 4,
            usage: wgpu::BufferUsages::UNIFORM,
            mapped_at_creation: true,
        });
        buf.get_mapped_range_mut(..)
            .expect("fresh mapped buffer")
            .copy_from_slice(bytemuck::cast_slice(&padded));
        buf.unmap();
        cache.insert(padded, buf.clone());
        buf
    }

    fn bind_group(
        &self,
        kernel: Kernel,
        uniform: Option<&wgpu::Buffer>,
        buffers: &[&wgpu::Buffer],
    ) -> Result<wgpu::BindGroup> {
        let mut key_bufs = Vec::with_capacity(buffers.len() + 1);
        key_bufs.extend(uniform.cloned());
        key_bufs.extend(buffers.iter().map(|b| (*b).clone()));
        let key = (kernel, key_bufs);
        if let Some(bg) = self.bind_groups.lock().expect("bind groups").get(&key) {
            return Ok(bg.clone());
        }
        let layout = self.pipelines.lock().expect("pipelines")[&kernel].1.clone();
        let first = if uniform.is_some() { 0 } else { 1 };
        let entries: Vec<wgpu::BindGroupEntry> = key
            .1
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: first + i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        let bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.name()),
            layout: &layout,
            entries: &entries,
        });
        self.bind_groups
            .lock()
            .expect("bind groups")
            .insert(key, bg.clone());
        Ok(bg)
    }
}
