//! Per-kernel timing for `--profile`. With `TIMESTAMP_QUERY` each dispatch gets its own
//! compute pass whose begin and end timestamps the GPU writes into a query set; the
//! queries are resolved at every submission and read back then (so profiling adds one
//! wait per submission). Without timestamps each dispatch is submitted alone and timed
//! on the CPU around the wait, which includes the driver's launch overhead; the report
//! says which method produced it.

use std::collections::HashMap;
use std::time::Instant;

use crate::error::{Error, Result};

/// Dispatches timed per query set before a submission is forced.
pub(crate) const MAX_TIMED_DISPATCHES: u32 = 2048;

/// How the figures in a [`Profile`] were measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileMethod {
    /// GPU timestamps written at the start and end of each kernel's pass.
    GpuTimestamps,
    /// CPU wall clock around a submit-and-wait of each kernel alone (no timestamps on
    /// this adapter); includes launch overhead.
    CpuWallClock,
}

/// One kernel's line in a profile.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileRow {
    /// The kernel's name.
    pub kernel: &'static str,
    /// Dispatches of it.
    pub calls: u64,
    /// Time spent in it, milliseconds.
    pub total_ms: f64,
}

/// Kernel times gathered since profiling was switched on, heaviest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// How the times were measured.
    pub method: ProfileMethod,
    /// One row per kernel, most total time first.
    pub rows: Vec<ProfileRow>,
}

impl Profile {
    /// Sum of all kernel times.
    pub fn total_ms(&self) -> f64 {
        self.rows.iter().map(|r| r.total_ms).sum()
    }

    /// The table: kernel, calls, total ms, ms per `steps` (when given), share.
    pub fn table(&self, steps: Option<u64>) -> String {
        let total = self.total_ms().max(f64::MIN_POSITIVE);
        let per = steps.filter(|&s| s > 0);
        let mut out = format!(
            "kernel profile ({}):\n{:<31} {:>8} {:>11} {:>10} {:>7}\n",
            match self.method {
                ProfileMethod::GpuTimestamps => "GPU timestamp queries",
                ProfileMethod::CpuWallClock =>
                    "CPU wall clock per kernel, launch overhead included; no GPU timestamps",
            },
            "kernel",
            "calls",
            "total ms",
            if per.is_some() { "ms/step" } else { "ms/call" },
            "share"
        );
        for r in &self.rows {
            let each = match per {
                Some(s) => r.total_ms / s as f64,
                None => r.total_ms / r.calls.max(1) as f64,
            };
            out += &format!(
                "{:<31} {:>8} {:>11.1} {:>10.3} {:>6.1}%\n",
                r.kernel,
                r.calls,
                r.total_ms,
                each,
                100.0 * r.total_ms / total
            );
        }
        let calls: u64 = self.rows.iter().map(|r| r.calls).sum();
        let each = match per {
            Some(s) => total / s as f64,
            None => total / calls.max(1) as f64,
        };
        out += &format!(
            "{:<31} {:>8} {:>11.1} {:>10.3} {:>6.1}%\n",
            "all kernels", calls, total, each, 100.0
        );
        out
    }
}

/// The recorder's profiling state.
pub(crate) struct Profiler {
    pub method: ProfileMethod,
    totals: HashMap<&'static str, (u64, f64)>,
    /// Timestamp mode: the query set, resolve and readback buffers, and the kernel of
    /// each query pair written since the last readback.
    queries: Option<Queries>,
    pending: Vec<&'static str>,
    period_ns: f64,
}

struct Queries {
    set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    readback: wgpu::Buffer,
}

impl Profiler {
    pub fn new(device: &wgpu::Device, queue: &wgpu::Queue, timestamps: bool) -> Profiler {
        let queries = timestamps.then(|| {
            let bytes = MAX_TIMED_DISPATCHES as u64 * 2 * 8;
            Queries {
                set: device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some("wgtrain profile"),
                    ty: wgpu::QueryType::Timestamp,
                    count: MAX_TIMED_DISPATCHES * 2,
                }),
                resolve: device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("wgtrain profile resolve"),
                    size: bytes,
                    usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                }),
                readback: device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("wgtrain profile readback"),
                    size: bytes,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                }),
            }
        });
        Profiler {
            method: if timestamps {
                ProfileMethod::GpuTimestamps
            } else {
                ProfileMethod::CpuWallClock
            },
            totals: HashMap::new(),
            queries,
            pending: Vec::new(),
            period_ns: queue.get_timestamp_period() as f64,
        }
    }

    /// Timestamp mode: the pass descriptor's timestamp writes for the next dispatch, and
    /// whether the query set is now full (the caller must submit).
    pub fn next_writes(
        &mut self,
        kernel: &'static str,
    ) -> Option<(wgpu::ComputePassTimestampWrites<'_>, bool)> {
        let q = self.queries.as_ref()?;
        let i = self.pending.len() as u32 * 2;
        self.pending.push(kernel);
        let full = self.pending.len() as u32 >= MAX_TIMED_DISPATCHES;
        Some((
            wgpu::ComputePassTimestampWrites {
                query_set: &q.set,
                beginning_of_pass_write_index: Some(i),
                end_of_pass_write_index: Some(i + 1),
            },
            full,
        ))
    }

    /// Timestamp mode: record the resolve of this submission's queries into `encoder`.
    pub fn resolve(&self, encoder: &mut wgpu::CommandEncoder) -> bool {
        let Some(q) = &self.queries else { return false };
        if self.pending.is_empty() {
            return false;
        }
        let n = self.pending.len() as u32 * 2;
        encoder.resolve_query_set(&q.set, 0..n, &q.resolve, 0);
        encoder.copy_buffer_to_buffer(&q.resolve, 0, &q.readback, 0, n as u64 * 8);
        true
    }

    /// Timestamp mode, after the submission that resolved them: wait, read the queries
    /// and add each kernel's time.
    pub fn collect(&mut self, device: &wgpu::Device) {
        let Some(q) = &self.queries else { return };
        let n = self.pending.len() as u64 * 2;
        if n == 0 {
            return;
        }
        let slice = q.readback.slice(0..n * 8);
        slice.map_async(wgpu::MapMode::Read, |_| {});
        if device.poll(wgpu::PollType::wait_indefinitely()).is_err() {
            self.pending.clear();
            return;
        }
        if let Ok(view) = slice.get_mapped_range() {
            let ticks: &[u64] = bytemuck::cast_slice(&view);
            for (k, pair) in self.pending.iter().zip(ticks.chunks_exact(2)) {
                let ms = pair[1].saturating_sub(pair[0]) as f64 * self.period_ns * 1e-6;
                let e = self.totals.entry(k).or_default();
                e.0 += 1;
                e.1 += ms;
            }
        }
        q.readback.unmap();
        self.pending.clear();
    }

    /// Wall-clock mode: add one kernel's time measured by the caller.
    pub fn add_wall(&mut self, kernel: &'static str, since: Instant) {
        let e = self.totals.entry(kernel).or_default();
        e.0 += 1;
        e.1 += since.elapsed().as_secs_f64() * 1e3;
    }

    /// The figures so far, heaviest kernel first.
    pub fn report(&self) -> Profile {
        let mut rows: Vec<ProfileRow> = self
            .totals
            .iter()
            .map(|(&kernel, &(calls, total_ms))| ProfileRow {
                kernel,
                calls,
                total_ms,
            })
            .collect();
        rows.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms));
        Profile {
            method: self.method,
            rows,
        }
    }
}

/// The profiling switches of a `Gpu`.
impl super::Gpu {
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
        rec.profiler = method
            .map(|m| Profiler::new(&self.device, &self.queue, m == ProfileMethod::GpuTimestamps));
        Ok(())
    }

    /// Kernel times since profiling was switched on (submits recorded work first), or
    /// `None` when it is off.
    pub fn profile(&self) -> Option<Profile> {
        self.flush();
        let rec = self.recorder.lock().expect("recorder");
        rec.profiler.as_ref().map(|p| p.report())
    }
}
