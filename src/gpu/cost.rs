//! The GPU cost model: what each recorded dispatch asks of a GPU, read from its shape
//! (workgroups, threads per workgroup, threads with output, and the serial trips of its
//! longest per-thread loop), and a latency model of a named reference GPU over a step.
//! Arithmetic, not timing: the same on every machine, so `wgtrain bench` can show how a
//! training step would sit on a big GPU from a 2-core machine with no GPU at all.

/// How a launcher describes one dispatch: its grid, how many of the launched threads own
/// output, and how many iterations the longest-running thread makes in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Launch {
    /// Workgroups launched in x, y and z.
    pub groups: [u32; 3],
    /// Threads that write output; `None`: every thread launched.
    pub useful_threads: Option<u64>,
    /// Iterations of the longest per-thread loop that waits on memory: K for a matmul
    /// thread walking K, the window for a pooling thread, 1 for elementwise work.
    pub serial_trips: u64,
}

impl From<[u32; 3]> for Launch {
    /// A grid whose every thread has output and no loop.
    fn from(groups: [u32; 3]) -> Launch {
        Launch {
            groups,
            useful_threads: None,
            serial_trips: 1,
        }
    }
}

impl Launch {
    /// This launch with `n` threads that have output.
    pub fn useful(self, n: u64) -> Launch {
        Launch {
            useful_threads: Some(n),
            ..self
        }
    }

    /// This launch with `trips` serial iterations in its longest thread (at least 1).
    pub fn trips(self, trips: u64) -> Launch {
        Launch {
            serial_trips: trips.max(1),
            ..self
        }
    }
}

/// One dispatch as recorded, with its workgroup size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchRecord {
    /// The kernel's name.
    pub kernel: &'static str,
    /// Workgroups launched in x, y and z.
    pub groups: [u32; 3],
    /// Threads per workgroup (the kernel's workgroup size).
    pub threads_per_group: u32,
    /// Threads that write output.
    pub useful_threads: u64,
    /// Iterations of the longest per-thread loop that waits on memory (at least 1).
    pub serial_trips: u64,
}

impl DispatchRecord {
    /// Workgroups launched in all (the product of `groups`).
    pub fn workgroups(&self) -> u64 {
        self.groups.iter().map(|&g| g as u64).product()
    }

    /// Threads launched in all.
    pub fn threads(&self) -> u64 {
        self.workgroups() * self.threads_per_group as u64
    }
}

/// A dispatch of at least this many serial trips is "deep": it must fill the GPU.
pub const DEEP_TRIPS: u64 = 256;

/// The latency model's constants for one GPU.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReferenceGpu {
    /// The GPU's name, as reports print it.
    pub name: &'static str,
    /// Streaming multiprocessors (compute units).
    pub sms: u64,
    /// Threads resident per SM at once.
    pub threads_per_sm: u64,
    /// What one more dispatch in the same compute pass costs (launch, the barrier before
    /// it, ramp-up and drain), µs.
    pub dispatch_us: f64,
    /// One serial trip of a thread: a round trip to L2/HBM plus the arithmetic behind it,
    /// µs.
    pub trip_us: f64,
}

/// NVIDIA H100 SXM. 132 SMs of 2,048 resident threads (NVIDIA's H100 whitepaper). The
/// two latencies are fitted to what wgtrain measured there through Vulkan (issue 22):
/// 29 small dispatches cost 0.15–0.25 ms in all, ~6 µs each; the seed CNN step took
/// 7.7 ms with 26,500 serial trips summed over those dispatches, almost all in dispatches
/// of one wave, so (7.7 ms − 29 × 6 µs) / 26,500 ≈ 0.28 µs per trip: about one
/// dependent global-memory load (~500 cycles at 1.76 GHz).
pub const H100: ReferenceGpu = ReferenceGpu {
    name: "NVIDIA H100 SXM (model)",
    sms: 132,
    threads_per_sm: 2048,
    dispatch_us: 6.0,
    trip_us: 0.28,
};

/// The five figures of a step (or any list of dispatches).
#[derive(Clone, Debug, PartialEq)]
pub struct CostSummary {
    /// Number of dispatches.
    pub dispatches: usize,
    /// The most serial trips of any one dispatch.
    pub max_serial_trips: u64,
    /// Serial trips summed over the dispatches (each dispatch's longest thread).
    pub sum_serial_trips: u64,
    /// The fewest workgroups among dispatches of at least `DEEP_TRIPS` trips; `None`
    /// when no dispatch is that deep.
    pub min_deep_workgroups: Option<u64>,
    /// Threads with output ÷ threads launched, over all dispatches.
    pub useful_thread_share: f64,
    /// The reference GPU's estimate, µs.
    pub est_gpu_us: f64,
}

impl CostSummary {
    /// `min_deep_workgroups` in words: the count, or that no dispatch is deep.
    pub fn min_deep_text(&self) -> String {
        self.min_deep_workgroups
            .map_or("none (no dispatch of ≥ 256 trips)".into(), |w| {
                w.to_string()
            })
    }

    /// The five figures in a line.
    pub fn line(&self) -> String {
        format!(
            "{} dispatches: max_serial_trips {}, sum_serial_trips {}, min_deep_workgroups {}, \
             useful_thread_share {:.1} %, est_gpu_us {:.0}",
            self.dispatches,
            self.max_serial_trips,
            self.sum_serial_trips,
            self.min_deep_text(),
            100.0 * self.useful_thread_share,
            self.est_gpu_us
        )
    }
}

impl ReferenceGpu {
    /// One dispatch's estimate: its launch, then each wave of resident threads runs its
    /// longest thread's trips.
    pub fn dispatch_us(&self, d: &DispatchRecord) -> f64 {
        let waves = d.threads().div_ceil(self.sms * self.threads_per_sm).max(1);
        self.dispatch_us + waves as f64 * d.serial_trips as f64 * self.trip_us
    }

    /// The five figures of `records`, with this GPU's estimate of their time.
    pub fn summarize(&self, records: &[DispatchRecord]) -> CostSummary {
        let launched: u64 = records.iter().map(DispatchRecord::threads).sum();
        let useful: u64 = records.iter().map(|d| d.useful_threads).sum();
        CostSummary {
            dispatches: records.len(),
            max_serial_trips: records.iter().map(|d| d.serial_trips).max().unwrap_or(0),
            sum_serial_trips: records.iter().map(|d| d.serial_trips).sum(),
            min_deep_workgroups: records
                .iter()
                .filter(|d| d.serial_trips >= DEEP_TRIPS)
                .map(DispatchRecord::workgroups)
                .min(),
            useful_thread_share: match launched {
                0 => 1.0,
                n => useful as f64 / n as f64,
            },
            est_gpu_us: records.iter().map(|d| self.dispatch_us(d)).sum(),
        }
    }
}

/// One line per dispatch (kernel, grid, threads, useful share, trips, modelled µs), then
/// the summary: what `bench --profile` prints.
pub fn table(gpu: &ReferenceGpu, records: &[DispatchRecord]) -> String {
    let mut out = format!(
        "dispatch shapes on {} ({} SMs; {} µs per dispatch, {} µs per serial trip):\n\
         {:<34} {:>15} {:>9} {:>7} {:>7} {:>8}\n",
        gpu.name,
        gpu.sms,
        gpu.dispatch_us,
        gpu.trip_us,
        "kernel",
        "workgroups",
        "threads",
        "useful",
        "trips",
        "est µs"
    );
    for d in records {
        let grid = format!("{}×{}×{}", d.groups[0], d.groups[1], d.groups[2]);
        out += &format!(
            "{:<34} {:>15} {:>9} {:>6.0}% {:>7} {:>8.1}\n",
            d.kernel,
            grid,
            d.threads(),
            100.0 * d.useful_threads as f64 / d.threads().max(1) as f64,
            d.serial_trips,
            gpu.dispatch_us(d)
        );
    }
    out += &gpu.summarize(records).line();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(groups: [u32; 3], tpg: u32, useful: u64, trips: u64) -> DispatchRecord {
        DispatchRecord {
            kernel: "k",
            groups,
            threads_per_group: tpg,
            useful_threads: useful,
            serial_trips: trips,
        }
    }

    /// A hand-worked list: today's conv1 weight gradient (3 workgroups of 64, 24 threads
    /// with output, 21,632 trips), an elementwise kernel of 1,000 elements in groups of
    /// 256, and a dispatch of two waves on the model GPU.
    #[test]
    fn summary_of_a_hand_worked_dispatch_list() {
        let gpu = ReferenceGpu {
            name: "test",
            sms: 2,
            threads_per_sm: 128,
            dispatch_us: 5.0,
            trip_us: 0.5,
        };
        let list = [
            rec([3, 1, 1], 64, 24, 21_632),
            rec([4, 1, 1], 256, 1000, 1),
            // 512 threads on 2 × 128 resident: two waves of 300 trips.
            rec([2, 2, 1], 128, 512, 300),
        ];
        let s = gpu.summarize(&list);
        assert_eq!(s.dispatches, 3);
        assert_eq!(s.max_serial_trips, 21_632);
        assert_eq!(s.sum_serial_trips, 21_632 + 1 + 300);
        // Deep: the first (3 workgroups) and the third (4).
        assert_eq!(s.min_deep_workgroups, Some(3));
        // 24 + 1000 + 512 of 192 + 1024 + 512.
        assert!((s.useful_thread_share - 1536.0 / 1728.0).abs() < 1e-12);
        // First: 192 threads = 1 wave; second: 1024 threads = 4 waves of 1 trip; third: 2.
        let want = (5.0 + 21_632.0 * 0.5) + (5.0 + 4.0 * 0.5) + (5.0 + 2.0 * 300.0 * 0.5);
        assert!(
            (s.est_gpu_us - want).abs() < 1e-9,
            "{} vs {want}",
            s.est_gpu_us
        );
        // No deep dispatch: none to report.
        assert_eq!(gpu.summarize(&list[1..2]).min_deep_workgroups, None);
        assert_eq!(gpu.summarize(&[]).useful_thread_share, 1.0);
        let t = table(&gpu, &list);
        assert!(t.contains("3×1×1") && t.contains("21632") && t.contains("est_gpu_us"));
    }

    #[test]
    fn launches_from_a_grid_have_every_thread_useful_and_one_trip() {
        let l: Launch = [5, 1, 1].into();
        assert_eq!(l.useful_threads, None);
        assert_eq!(l.serial_trips, 1);
        assert_eq!(l.useful(7).trips(0).serial_trips, 1);
        assert_eq!(l.useful(7).trips(9).useful_threads, Some(7));
    }
}
