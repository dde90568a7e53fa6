//! The command recorder: dispatches accumulate in one compute pass of one encoder and
//! are submitted together, only when a result is needed (or the batch grows large).

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

    pub fn dispatch(
        &mut self,
        device: &wgpu::Device,
        pipeline: &wgpu::ComputePipeline,
        bind_group: &wgpu::BindGroup,
        groups: [u32; 3],
    ) -> bool {
        let pass = self.pass(device);
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind_group, &[]);
        pass.dispatch_workgroups(groups[0], groups[1], groups[2]);
        self.pending += 1;
        self.dispatches += 1;
        self.pending >= MAX_PENDING_DISPATCHES
    }

    pub fn clear(&mut self, device: &wgpu::Device, buffer: &wgpu::Buffer) {
        self.encoder(device).clear_buffer(buffer, 0, None);
    }

    pub fn copy(
        &mut self,
        device: &wgpu::Device,
        src: &wgpu::Buffer,
        dst: &wgpu::Buffer,
        size: u64,
    ) {
        self.encoder(device)
            .copy_buffer_to_buffer(src, 0, dst, 0, size);
    }

    /// Close the pass and submit the encoder, if anything was recorded.
    pub fn submit(&mut self, queue: &wgpu::Queue) {
        self.pass = None;
        if let Some(enc) = self.encoder.take() {
            queue.submit(Some(enc.finish()));
            self.submissions += 1;
        }
        self.pending = 0;
    }
}
