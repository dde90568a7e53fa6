//! Moving tensors in and out: pooled allocation (checked against the binding limit),
//! uploads, in-place writes and blocking downloads.

use super::{DType, Gpu, GpuTensor, TENSOR_USAGE};
use crate::error::{Error, Result};

impl Gpu {
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

    /// A one-element tensor to bind where a kernel declares a writable binding it does not
    /// write in this dispatch (e.g. the matmul's bias gradient when there is none): WebGPU
    /// refuses two writable bindings of one buffer in a dispatch, so the output itself
    /// cannot stand in. Made once, outside the pool.
    pub(crate) fn never_written(&self) -> &GpuTensor {
        self.never_written.get_or_init(|| {
            let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("wgtrain never-written binding"),
                size: 16,
                usage: TENSOR_USAGE,
                mapped_at_creation: false,
            });
            GpuTensor::new(buffer, vec![1], DType::F32, self.pool.clone())
        })
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
            self.queue.write_buffer(&t.buffer, t.offset, bytes);
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
            rec.copy(&self.device, (&t.buffer, t.offset), (&staging, 0), size);
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
}

impl Gpu {
    /// One zeroed buffer holding tensors of `shapes` one after another, each starting at
    /// the adapter's storage offset alignment, and those tensors (ranges of it): the
    /// arena a model's parameters, gradients and optimizer slots live in, so that one
    /// dispatch over the whole arena updates every parameter. The gaps stay zero (an
    /// update of zero with zero gradient and slots is zero). The whole arena must fit one
    /// storage binding; `None` when it does not, or after `set_fused(false)` (then keep
    /// tensors of their own).
    pub fn arena(&self, shapes: &[Vec<usize>]) -> Result<Option<(GpuTensor, Vec<GpuTensor>)>> {
        if !self.fused() {
            return Ok(None);
        }
        let align = (self.info.limits.min_storage_buffer_offset_alignment as usize / 4).max(1);
        let mut starts = Vec::with_capacity(shapes.len());
        let mut end = 0usize;
        for shape in shapes {
            starts.push(end);
            let n: usize = shape.iter().product();
            end = match end.checked_add(n.div_ceil(align).max(1) * align) {
                Some(e) => e,
                None => return Ok(None),
            };
        }
        if self.check_fits("(arena)", &[end]).is_err() {
            return Ok(None);
        }
        let arena = self.zeros(&[end])?;
        let views = starts
            .iter()
            .zip(shapes)
            .map(|(&s, shape)| arena.view(s, shape))
            .collect();
        Ok(Some((arena, views)))
    }

    /// Copy `src` into `dst` (same element count), in order with recorded work.
    pub fn copy(&self, src: &GpuTensor, dst: &GpuTensor) -> Result<()> {
        if src.len() != dst.len() {
            return crate::error::shape_err(
                "copy",
                format!(
                    "{:?} into {:?}: element counts differ",
                    src.shape, dst.shape
                ),
            );
        }
        if src.is_empty() {
            return Ok(());
        }
        self.recorder.lock().expect("recorder").copy(
            &self.device,
            (&src.buffer, src.offset),
            (&dst.buffer, dst.offset),
            src.len() as u64 * 4,
        );
        Ok(())
    }
}
