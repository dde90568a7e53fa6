//! The command recorder: dispatches accumulate in one compute pass of one encoder and
//! are submitted together, only when a result is needed (or the batch grows large).
//! While profiling, each dispatch gets its own timed pass instead (see `profiler.rs`).

use std::time::Instant;

use super::profiler::Profiler;

/// Submit automatically after this many recorded dispatches, to bound driver memory.
const MAX_PENDING_DISPATCHES: usize = 8192;

#[derive(Default)]
pub(crate) struct Recorder {
    encoder: Option<wgpu::CommandEncoder>,
    pass: Option<wgpu::ComputePass<'static>>,
    pending: usize,
    /// Dispatches recorded since the recorder was created.
    pub dispatches: u64,
    /// Queue submissions since the recorder was created.
    pub submissions: u64,
    /// Per-kernel timing, when switched on.
    pub profiler: Option<Profiler>,
    /// The shape of each dispatch, while tracing (`Gpu::start_trace`).
    pub trace: Option<Vec<super::cost::DispatchRecord>>,
}

/// One compute dispatch: which kernel (for profiles), its pipeline and bindings, and the
/// workgroup grid.
pub struct Dispatch<'a> {
    pub kernel: &'static str,
    pub pipeline: &'a wgpu::ComputePipeline,
    pub bind_group: &'a wgpu::BindGroup,
    pub groups: [u32; 3],
}

impl Dispatch<'_> {
    fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(self.pipeline);
        pass.set_bind_group(0, self.bind_group, &[]);
        pass.dispatch_workgroups(self.groups[0], self.groups[1], self.groups[2]);
    }
}

impl Recorder {
    fn encoder(&mut self, device: &wgpu::Device) -> &mut wgpu::CommandEncoder {
        self.pass = None;
        self.encoder.get_or_insert_with(|| {
            device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("wgtrain batch"),
            })
        })
    }

    fn pass(&mut self, device: &wgpu::Device) -> &mut wgpu::ComputePass<'static> {
        if self.pass.is_none() {
            let pass = self
                .encoder(device)
                .begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("wgtrain kernels"),
                    timestamp_writes: None,
                })
                .forget_lifetime();
            self.pass = Some(pass);
        }
        self.pass.as_mut().expect("pass just opened")
    }

    /// Record one dispatch; true when the caller should submit now.
    pub fn dispatch(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, d: Dispatch) -> bool {
        self.pending += 1;
        self.dispatches += 1;
        if self.profiler.is_some() {
            return self.dispatch_profiled(device, queue, d);
        }
        let pass = self.pass(device);
        d.record(pass);
        self.pending >= MAX_PENDING_DISPATCHES
    }

    /// A dispatch in a pass of its own, timed by timestamps (or alone on the CPU clock).
    fn dispatch_profiled(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        d: Dispatch,
    ) -> bool {
        let kernel = d.kernel;
        self.encoder(device);
        let mut prof = self.profiler.take().expect("profiling");
        let encoder = self.encoder.as_mut().expect("encoder just made");
        let (writes, full) = match prof.next_writes(kernel) {
            Some((w, full)) => (Some(w), full),
            None => (None, false),
        };
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(kernel),
                timestamp_writes: writes,
            });
            d.record(&mut pass);
        }
        let wall = prof.method == super::profiler::ProfileMethod::CpuWallClock;
        self.profiler = Some(prof);
        if wall {
            let t0 = Instant::now();
            self.submit(device, queue);
            let _ = device.poll(wgpu::PollType::wait_indefinitely());
            if let Some(p) = self.profiler.as_mut() {
                p.add_wall(kernel, t0);
            }
            return false;
        }
        full || self.pending >= MAX_PENDING_DISPATCHES
    }

    pub fn clear(&mut self, device: &wgpu::Device, buffer: &wgpu::Buffer) {
        self.encoder(device).clear_buffer(buffer, 0, None);
    }

    /// Copy `size` bytes from `src` at byte `from` to `dst` at byte `to`.
    pub fn copy(
        &mut self,
        device: &wgpu::Device,
        (src, from): (&wgpu::Buffer, u64),
        (dst, to): (&wgpu::Buffer, u64),
        size: u64,
    ) {
        self.encoder(device)
            .copy_buffer_to_buffer(src, from, dst, to, size);
    }

    /// Close the pass and submit the encoder, if anything was recorded. While profiling
    /// with timestamps this also resolves the queries and waits to read them.
    pub fn submit(&mut self, device: &wgpu::Device, queue: &wgpu::Queue) {
        self.pass = None;
        if let Some(mut enc) = self.encoder.take() {
            let resolved = self.profiler.as_ref().is_some_and(|p| p.resolve(&mut enc));
            queue.submit(Some(enc.finish()));
            self.submissions += 1;
            if resolved {
                if let Some(p) = self.profiler.as_mut() {
                    p.collect(device);
                }
            }
        }
        self.pending = 0;
    }
}
