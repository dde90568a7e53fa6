//! Reading small tensors back without stalling the queue (progress bars, running loss),
//! and awaiting such a read (`read_values`: the browser's only way to read).

use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use super::{Gpu, GpuTensor};
use crate::error::Result;

/// A read started by [`Gpu::read_async`].
pub struct PendingRead {
    staging: wgpu::Buffer,
    size: u64,
    /// 0 waiting, 1 mapped, 2 failed.
    ready: Arc<std::sync::atomic::AtomicU8>,
    /// Woken when the mapping is done (`read_values`).
    waker: Arc<Mutex<Option<Waker>>>,
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
        let waker = Arc::new(Mutex::new(None::<Waker>));
        let (flag, wake) = (ready.clone(), waker.clone());
        staging.map_async(wgpu::MapMode::Read, 0..size, move |r| {
            flag.store(
                if r.is_ok() { 1 } else { 2 },
                std::sync::atomic::Ordering::Release,
            );
            if let Some(w) = wake.lock().expect("waker").take() {
                w.wake();
            }
        });
        Ok(PendingRead {
            staging,
            size,
            ready,
            waker,
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

    /// The values of `read`, awaited: in the browser the future is woken when WebGPU has
    /// mapped the buffer (nothing blocks the page's thread), and any error the device
    /// reported meanwhile is returned; natively it waits as [`wait_read`](Self::wait_read)
    /// (drive it with any executor, e.g. `pollster::block_on`).
    pub async fn read_values(&self, read: PendingRead) -> Result<Vec<f32>> {
        let mut slot = Some(read);
        let values = std::future::poll_fn(|cx| {
            if let Some(r) = &slot {
                *r.waker.lock().expect("waker") = Some(cx.waker().clone());
            }
            let got = match cfg!(target_arch = "wasm32") {
                true => self.poll_read(&mut slot),
                false => self.wait_read(&mut slot),
            };
            match got {
                Ok(Some(v)) => Poll::Ready(Ok(v)),
                Ok(None) if slot.is_some() => Poll::Pending,
                Ok(None) => Poll::Ready(Err(self.gpu_err("read_values", "nothing to read".into()))),
                Err(e) => Poll::Ready(Err(e)),
            }
        })
        .await?;
        self.check_device_error("read_values")?;
        Ok(values)
    }
}
