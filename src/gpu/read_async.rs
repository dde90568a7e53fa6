//! Reading small tensors back without stalling the queue (progress bars, running loss).

use std::sync::Arc;

use super::{Gpu, GpuTensor};
use crate::error::Result;

/// A read started by [`Gpu::read_async`].
pub struct PendingRead {
    staging: wgpu::Buffer,
    size: u64,
    /// 0 waiting, 1 mapped, 2 failed.
    ready: Arc<std::sync::atomic::AtomicU8>,
}

impl Gpu {
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
                    let (src, dst) = ((&t.buffer, t.offset), (&staging, offset));
                    rec.copy(&self.device, src, dst, n);
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
}
