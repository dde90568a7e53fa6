//! Which matmul kernel a product runs on: the register-tiled family (matmul.wgsl,
//! matmul_vec4.wgsl; tuned on llvmpipe, where a workgroup is SIMD lanes of one CPU thread)
//! or the workgroup-memory tiled kernel (matmul_tiled.wgsl, the GPU design) with a 64 or
//! 32 tile, per layout and size class. The table starts at the measured defaults (the
//! register family everywhere) and the autotune (`autotune.rs`) fills it per adapter. All
//! kernels give the same bits (tests/ops/matmul.rs), so the choice moves only time.

use crate::shape::Layout;

/// A matmul kernel family (and tile).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatmulKernel {
    /// matmul.wgsl / matmul_vec4.wgsl, picked by N % 4, K % 4, M % 4 and N's width.
    Register,
    /// matmul_tiled.wgsl, 64×64 tiles (16×16 threads, 4×4 outputs each).
    Tiled64,
    /// matmul_tiled.wgsl, 32×32 tiles (8×8 threads).
    Tiled32,
    /// matmul_split.wgsl: 32×32 tiles of 8×8 threads with 4×4 outputs each, every
    /// epilogue (bias, ReLU, ReLU mask, bias gradient) fused; the GPU default.
    Split,
}

impl MatmulKernel {
    /// Every kernel, in table order.
    pub const ALL: [MatmulKernel; 4] = [
        MatmulKernel::Register,
        MatmulKernel::Tiled64,
        MatmulKernel::Tiled32,
        MatmulKernel::Split,
    ];

    /// The workgroup-memory kernels (not offered through GL).
    pub fn is_tiled(self) -> bool {
        matches!(self, MatmulKernel::Tiled64 | MatmulKernel::Tiled32)
    }

    /// Its name in `wgtrain tune` and the cache file.
    pub fn name(self) -> &'static str {
        match self {
            MatmulKernel::Register => "register",
            MatmulKernel::Tiled64 => "tiled64",
            MatmulKernel::Tiled32 => "tiled32",
            MatmulKernel::Split => "split",
        }
    }

    /// The kernel of that name.
    pub fn from_name(s: &str) -> Option<MatmulKernel> {
        MatmulKernel::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// Size classes of a product by its multiply-adds m·n·k.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SizeClass {
    /// Under 2^18 (the seed models' Dense layers at batch 32).
    Small,
    /// Under 2^24 (the seed CNN's third conv).
    Medium,
    /// The rest (its first two convs, large batches).
    Large,
}

impl SizeClass {
    /// Every size class, smallest first.
    pub const ALL: [SizeClass; 3] = [SizeClass::Small, SizeClass::Medium, SizeClass::Large];

    /// The size class of an m×k by k×n product.
    pub fn of(m: usize, n: usize, k: usize) -> SizeClass {
        let macs = (m as u128) * (n as u128) * (k as u128);
        match macs {
            x if x < 1 << 18 => SizeClass::Small,
            x if x < 1 << 24 => SizeClass::Medium,
            _ => SizeClass::Large,
        }
    }

    /// Its name in `wgtrain tune` and the cache file.
    pub fn name(self) -> &'static str {
        match self {
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Large => "large",
        }
    }

    /// The shape the autotune times for this class (m, n, k): like the seed models' layers
    /// at batch 32 (a Dense layer; a conv's product on part of the batch), small enough to
    /// time in a few milliseconds. K stays at 256, the GPUs' split-K threshold: past it
    /// every family runs the split kernels (`shape::split_k_chunk`), so the table's choice
    /// is for products of shorter K.
    pub fn representative(self) -> (usize, usize, usize) {
        match self {
            SizeClass::Small => (32, 64, 100),
            SizeClass::Medium => (256, 64, 256),
            SizeClass::Large => (1024, 64, 256),
        }
    }
}

/// The layouts in table order.
pub const LAYOUTS: [Layout; 3] = [Layout::NN, Layout::TN, Layout::NT];

/// The kernel for each (layout, size class).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatmulTable {
    /// The kernel per layout (NN, TN, NT; see [`LAYOUTS`]) and size class.
    pub choice: [[MatmulKernel; 3]; 3],
}

impl Default for MatmulTable {
    /// The measured defaults: the register family everywhere.
    fn default() -> Self {
        MatmulTable {
            choice: [[MatmulKernel::Register; 3]; 3],
        }
    }
}

fn layout_index(l: Layout) -> usize {
    match l {
        Layout::NN => 0,
        Layout::TN => 1,
        Layout::NT => 2,
    }
}

impl MatmulTable {
    /// What an adapter starts with, until the autotune measures otherwise: the register
    /// family on CPU adapters (tuned for llvmpipe), the split family on GPUs (full
    /// workgroups, fused epilogues).
    pub fn for_device(is_cpu: bool) -> MatmulTable {
        let family = match is_cpu {
            true => MatmulKernel::Register,
            false => MatmulKernel::Split,
        };
        MatmulTable {
            choice: [[family; 3]; 3],
        }
    }

    /// In a line: "register everywhere", or the classes that run another kernel.
    pub fn describe(&self) -> String {
        let mut other = Vec::new();
        for layout in LAYOUTS {
            for class in SizeClass::ALL {
                let k = self.choice[layout_index(layout)][class as usize];
                if k != MatmulKernel::Register {
                    other.push(format!("{layout:?} {}: {}", class.name(), k.name()));
                }
            }
        }
        match other.is_empty() {
            true => "register everywhere".into(),
            false => format!("register except {}", other.join(", ")),
        }
    }

    /// The kernel for an m×k by k×n product in `layout`.
    pub fn get(&self, layout: Layout, m: usize, n: usize, k: usize) -> MatmulKernel {
        let class = SizeClass::of(m, n, k);
        self.choice[layout_index(layout)][class as usize]
    }

    /// Choose `kernel` for products of `layout` and `class`.
    pub fn set(&mut self, layout: Layout, class: SizeClass, kernel: MatmulKernel) {
        self.choice[layout_index(layout)][class as usize] = kernel;
    }
}
