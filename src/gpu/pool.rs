//! Buffer pool: GPU buffers are recycled by (size, usage), so repeating a computation
//! with the same shapes allocates nothing new. `allocations()` counts real allocations.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

type Key = (u64, wgpu::BufferUsages);

/// Free buffers waiting for reuse, and a count of buffers ever created.
#[derive(Default)]
pub(crate) struct BufferPool {
    free: Mutex<HashMap<Key, Vec<wgpu::Buffer>>>,
    allocations: AtomicU64,
    bytes_allocated: AtomicU64,
}

impl BufferPool {
    /// A buffer of exactly `size` bytes (rounded up to 4) with `usage`, reused when one is free.
    pub fn take(
        &self,
        device: &wgpu::Device,
        size: u64,
        usage: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        let size = size.max(4).div_ceil(4) * 4;
        if let Some(buf) = self
            .free
            .lock()
            .expect("pool lock")
            .get_mut(&(size, usage))
            .and_then(Vec::pop)
        {
            return buf;
        }
        self.allocations.fetch_add(1, Ordering::Relaxed);
        self.bytes_allocated.fetch_add(size, Ordering::Relaxed);
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("wgtrain pooled buffer"),
            size,
            usage,
            mapped_at_creation: false,
        })
    }

    /// Hand a buffer back for reuse.
    pub fn give(&self, buf: wgpu::Buffer) {
        let key = (buf.size(), buf.usage());
        self.free
            .lock()
            .expect("pool lock")
            .entry(key)
            .or_default()
            .push(buf);
    }

    /// Buffers created so far (not counting reuses).
    pub fn allocations(&self) -> u64 {
        self.allocations.load(Ordering::Relaxed)
    }

    /// Bytes of the buffers created so far.
    pub fn bytes_allocated(&self) -> u64 {
        self.bytes_allocated.load(Ordering::Relaxed)
    }

    /// Drop every free buffer (memory goes back to the driver).
    pub fn trim(&self) {
        self.free.lock().expect("pool lock").clear();
    }
}
