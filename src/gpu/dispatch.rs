//! Recording a dispatch: the kernel's pipeline (built on first use from the registry,
//! with the adapter's overridable constants), its uniform block and bind group (both
//! cached by content), into the recorder's open compute pass.

use super::cost::{DispatchRecord, Launch};
#[cfg(not(target_arch = "wasm32"))]
use super::native::ErrorScope;
use super::recorder::Dispatch;
#[cfg(target_arch = "wasm32")]
use super::web::ErrorScope;
use super::{EntryPoint, Gpu, GpuTensor, Shader};
use crate::error::{Error, Result};

impl Gpu {
    /// Record one dispatch of `kernel` with uniform `params` and storage `buffers`
    /// (bindings 1.., each a tensor with its range), over `launch`'s workgroups (a grid,
    /// or a `Launch` that also says which threads have output and how long the longest
    /// loops: what the cost trace records). Nothing is submitted.
    pub(crate) fn dispatch(
        &self,
        kernel: EntryPoint,
        params: &[u32],
        buffers: &[&GpuTensor],
        launch: impl Into<Launch>,
    ) -> Result<()> {
        let launch = launch.into();
        let groups = launch.groups;
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
        let (pipeline, threads_per_group) = self.pipeline(kernel)?;
        let uniform = kernel.has_params().then(|| self.uniform(params));
        let bind_group = self.bind_group(kernel, uniform.as_ref(), buffers)?;
        let mut rec = self.recorder.lock().expect("recorder");
        if let Some(trace) = rec.trace.as_mut() {
            let threads =
                groups.iter().map(|&g| g as u64).product::<u64>() * threads_per_group as u64;
            trace.push(DispatchRecord {
                kernel: kernel.name(),
                groups,
                threads_per_group,
                useful_threads: launch.useful_threads.unwrap_or(threads).min(threads),
                serial_trips: launch.serial_trips,
            });
        }
        let d = Dispatch {
            kernel: kernel.name(),
            pipeline: &pipeline,
            bind_group: &bind_group,
            groups,
        };
        if rec.dispatch(&self.device, &self.queue, d) {
            rec.submit(&self.device, &self.queue);
        }
        Ok(())
    }

    /// The cached pipeline for `kernel`, built on first use. The cache stays locked while
    /// building so two threads never build the same kernel twice: bind groups made for one
    /// auto-layout pipeline are not valid with another.
    /// With it, the threads of one workgroup.
    fn pipeline(&self, kernel: EntryPoint) -> Result<(wgpu::ComputePipeline, u32)> {
        let mut pipelines = self.pipelines.lock().expect("pipelines");
        if let Some((p, _, threads)) = pipelines.get(&kernel) {
            return Ok((p.clone(), *threads));
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
        let scope = ErrorScope::push(&self.device);
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
        if let Some(e) = scope.pop() {
            return Err(self.gpu_err(&format!("building pipeline {entry}"), e.to_string()));
        }
        let layout = pipeline.get_bind_group_layout(0);
        let threads = self.workgroup_threads(kernel)?;
        pipelines.insert(kernel, (pipeline.clone(), layout, threads));
        Ok((pipeline, threads))
    }

    /// Threads per workgroup of `kernel`, from its `@workgroup_size` (naga's parse of its
    /// shader, once per shader; a size given by the override `WG_X` is this adapter's value
    /// of it).
    fn workgroup_threads(&self, kernel: EntryPoint) -> Result<u32> {
        let shader = kernel.shader();
        let mut sizes = self.workgroup_sizes.lock().expect("workgroup sizes");
        if let std::collections::hash_map::Entry::Vacant(slot) = sizes.entry(shader) {
            let module = naga::front::wgsl::parse_str(shader.source()).map_err(|e| {
                self.gpu_err(
                    &format!("parsing shaders/{}", shader.file_name()),
                    e.emit_to_string(shader.source()),
                )
            })?;
            let per_entry = module
                .entry_points
                .iter()
                .map(|e| {
                    let overridden = e.workgroup_size_overrides.unwrap_or([None; 3]);
                    let threads = e
                        .workgroup_size
                        .iter()
                        .zip(overridden)
                        .map(|(&size, o)| match o {
                            Some(_) => self.tuning.matmul_wg_x,
                            None => size.max(1),
                        })
                        .product();
                    (e.name.clone(), threads)
                })
                .collect();
            slot.insert(per_entry);
        }
        Ok(*sizes[&shader]
            .get(kernel.name())
            .expect("every registered kernel is an entry point of its shader"))
    }

    fn module(&self, shader: Shader) -> Result<wgpu::ShaderModule> {
        if let Some(m) = self.modules.lock().expect("modules").get(&shader) {
            return Ok(m.clone());
        }
        let scope = ErrorScope::push(&self.device);
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
        if let Some(e) = scope.pop() {
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
        kernel: EntryPoint,
        uniform: Option<&wgpu::Buffer>,
        buffers: &[&GpuTensor],
    ) -> Result<wgpu::BindGroup> {
        let mut key_bufs = Vec::with_capacity(buffers.len() + 1);
        key_bufs.extend(uniform.map(|u| (u.clone(), 0, 0)));
        key_bufs.extend(
            buffers
                .iter()
                .map(|t| (t.buffer.clone(), t.offset, t.len() as u64)),
        );
        let key = (kernel, key_bufs);
        if let Some(bg) = self.bind_groups.lock().expect("bind groups").get(&key) {
            return Ok(bg.clone());
        }
        let layout = self.pipelines.lock().expect("pipelines")[&kernel].1.clone();
        let first = if uniform.is_some() { 0 } else { 1 };
        let resources = uniform
            .map(|u| u.as_entire_binding())
            .into_iter()
            .chain(buffers.iter().map(|t| t.binding()));
        let entries: Vec<wgpu::BindGroupEntry> = resources
            .enumerate()
            .map(|(i, resource)| wgpu::BindGroupEntry {
                binding: first + i as u32,
                resource,
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
