//! The kernel registry: every WGSL shader and every entry point wgtrain dispatches,
//! declared once in the table at the bottom. The `registry!` macro turns the table into
//! the `Shader` and `EntryPoint` enums, their `ALL` lists, sources and binding counts, and the
//! `Unary` enum of elementwise activations (shader, kernels and CPU twins in one line).
//! Pipelines are built from this on first use and cached by `Gpu`.

use crate::cpu::{self, Scalar};

/// Which tensor an elementwise op's backward reads besides dy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    /// The forward input x (e.g. GELU).
    Input,
    /// The forward output y (ReLU, sigmoid, tanh: cheaper, and what a fused matmul has).
    Output,
}

macro_rules! registry {
    (
        shaders { $( $shader:ident = $file:literal $( + $lib:literal )* $( , overrides $ov:literal )? ; )* }
        kernels { $( $kernel:ident = $kshader:ident $entry:literal $bindings:literal $( $noparams:ident )? ; )* }
        unary { $( $op:ident = $opfile:literal, $saved:ident, $fwd:path, $bwd:path $( , vec4 $v4:ident )? ; )* }
    ) => {
        /// One WGSL source file in `shaders/`, compiled into the binary.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Shader {
            $( #[doc = concat!("`shaders/", $file, ".wgsl`.")] $shader, )*
            $( #[doc = concat!("`shaders/", $opfile, ".wgsl`.")] $op, )*
        }

        /// One compute entry point. Binding 0 of every kernel is its uniform parameter
        /// block (unless `has_params` is false); storage buffers follow at bindings
        /// 1..=`storage_bindings()`, in the order the launcher passes them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum EntryPoint {
            $( #[doc = concat!("The entry point `", $entry, "` of [`Shader::", stringify!($kshader), "`].")] $kernel, )*
            /// `<op>_forward` of an elementwise op: x → y.
            Forward(Unary),
            /// `<op>_backward` of an elementwise op: (saved, dy) → dx.
            Backward(Unary),
        }

        /// An elementwise activation: `shaders/<name>.wgsl` with `<name>_forward` /
        /// `<name>_backward` (their bindings from `shaders/lib/unary.wgsl`), one shared
        /// launcher (`ops::unary`), CPU twins
        /// `cpu::<name>_forward` / `cpu::<name>_backward`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Unary {
            $( #[doc = concat!("The activation in `shaders/", $opfile, ".wgsl`.")] $op, )*
        }

        impl Shader {
            /// Every shader, for tests that must cover them all.
            pub const ALL: &'static [Shader] = &[ $( Shader::$shader, )* $( Shader::$op, )* ];

            /// File name under `shaders/`.
            pub fn file_name(self) -> &'static str {
                match self {
                    $( Shader::$shader => concat!($file, ".wgsl"), )*
                    $( Shader::$op => concat!($opfile, ".wgsl"), )*
                }
            }

            /// The WGSL source text, with the `shaders/lib/` helpers it uses prepended.
            pub fn source(self) -> &'static str {
                match self {
                    $( Shader::$shader => concat!(
                        include_str!("../../shaders/lib/grid.wgsl"),
                        $( include_str!(concat!("../../shaders/lib/", $lib, ".wgsl")), )*
                        include_str!(concat!("../../shaders/", $file, ".wgsl"))
                    ), )*
                    $( Shader::$op => concat!(
                        include_str!("../../shaders/lib/grid.wgsl"),
                        include_str!("../../shaders/lib/unary.wgsl"),
                        include_str!(concat!("../../shaders/", $opfile, ".wgsl"))
                    ), )*
                }
            }

            /// Pipeline-overridable constants of this shader, named as in its source.
            pub fn overrides(self) -> &'static [&'static str] {
                match self {
                    $( Shader::$shader => &[ $( $ov )? ], )*
                    $( Shader::$op => &[], )*
                }
            }
        }

        impl EntryPoint {
            /// Every kernel, for tests that must cover them all.
            pub const ALL: &'static [EntryPoint] = &[
                $( EntryPoint::$kernel, )*
                $( EntryPoint::Forward(Unary::$op), EntryPoint::Backward(Unary::$op), )*
            ];

            /// The shader file holding this entry point.
            pub fn shader(self) -> Shader {
                match self {
                    $( EntryPoint::$kernel => Shader::$kshader, )*
                    EntryPoint::Forward(op) | EntryPoint::Backward(op) => op.shader(),
                }
            }

            /// The entry point's name, also the kernel's name in errors and profiles.
            pub fn name(self) -> &'static str {
                match self {
                    $( EntryPoint::$kernel => $entry, )*
                    $( EntryPoint::Forward(Unary::$op) => concat!($opfile, "_forward"), )*
                    $( EntryPoint::Backward(Unary::$op) => concat!($opfile, "_backward"), )*
                }
            }

            /// Number of storage bindings after the uniform block.
            pub fn storage_bindings(self) -> usize {
                match self {
                    $( EntryPoint::$kernel => $bindings, )*
                    EntryPoint::Forward(_) => 2,
                    EntryPoint::Backward(_) => 3,
                }
            }

            /// False for the few kernels that take no uniform parameter block.
            pub fn has_params(self) -> bool {
                match self {
                    $( EntryPoint::$kernel => registry!(@params $( $noparams )?), )*
                    EntryPoint::Forward(_) | EntryPoint::Backward(_) => true,
                }
            }

            /// Pipeline-overridable constants, named as in the shader.
            pub fn overrides(self) -> &'static [&'static str] {
                self.shader().overrides()
            }
        }

        impl Unary {
            /// Every elementwise op.
            pub const ALL: &'static [Unary] = &[ $( Unary::$op, )* ];

            /// Its name (Keras's activation name, and the shader's file stem).
            pub fn name(self) -> &'static str {
                match self { $( Unary::$op => $opfile, )* }
            }

            /// Its shader file.
            pub fn shader(self) -> Shader {
                match self { $( Unary::$op => Shader::$op, )* }
            }

            /// What its backward reads besides dy.
            pub fn saved(self) -> Saved {
                match self { $( Unary::$op => Saved::$saved, )* }
            }

            /// A backward kernel doing four elements per invocation (n % 4 == 0), if any.
            pub fn backward_vec4(self) -> Option<EntryPoint> {
                match self { $( Unary::$op => registry!(@vec4 $( $v4 )?), )* }
            }

            /// The CPU twin of `<op>_forward`: `y[n]` = f(`x[n]`).
            pub fn cpu_forward<T: Scalar>(self, x: &[T]) -> Vec<T> {
                match self { $( Unary::$op => $fwd(x), )* }
            }

            /// The CPU twin of `<op>_backward`: `dx[n]` from `saved[n]` (see `saved`) and `dy[n]`.
            pub fn cpu_backward<T: Scalar>(self, saved: &[T], dy: &[T]) -> Vec<T> {
                match self { $( Unary::$op => $bwd(saved, dy), )* }
            }
        }
    };
    (@params) => { true };
    (@params no_params) => { false };
    (@vec4) => { None };
    (@vec4 $k:ident) => { Some(EntryPoint::$k) };
}

registry! {
    // Name = file stem (+ "lib" helpers from shaders/lib/, after grid.wgsl which every
    // shader gets) (, a pipeline-overridable constant).
    shaders {
        Matmul = "matmul" + "matmul_io" + "matmul_ops", overrides "WG_X";
        MatmulVec4 = "matmul_vec4" + "matmul_io", overrides "WG_X";
        MatmulTiled = "matmul_tiled" + "matmul_io" + "matmul_ops", overrides "WG_X";
        MatmulSplit = "matmul_split" + "matmul_ops";
        Bias = "bias";
        Im2col = "im2col" + "divmod" + "nhwc";
        Maxpool = "maxpool" + "divmod" + "nhwc" + "pool2d";
        Avgpool = "avgpool" + "divmod" + "nhwc" + "pool2d";
        GlobalPool = "global_pool";
        BatchNorm = "batch_norm";
        LayerNorm = "layer_norm";
        Softmax = "softmax" + "softmax_row";
        SoftmaxCrossEntropy = "softmax_cross_entropy" + "softmax_row" + "step_sums";
        SparseSoftmaxCrossEntropy =
            "sparse_softmax_cross_entropy" + "softmax_row" + "step_sums";
        SigmoidCrossEntropy = "sigmoid_cross_entropy";
        Mse = "mse";
        Sum = "sum";
        Counter = "counter";
        LrSchedule = "lr_schedule";
        Clip = "clip";
        Adam = "adam";
        Sgd = "sgd";
        Rmsprop = "rmsprop";
        WeightDecay = "weight_decay";
        Accuracy = "accuracy";
        Dropout = "dropout";
        SpatialDropout = "spatial_dropout";
        Gather = "gather";
        Transpose = "transpose";
        Rescale = "rescale";
        Pad2d = "pad2d" + "divmod" + "nhwc";
        Regularize = "regularize";
        DepthwiseConv = "depthwise_conv" + "divmod" + "nhwc";
        Augment = "augment";
    }
    // Name = shader, entry point, storage bindings (, no_params: no uniform block).
    kernels {
        MatmulNN = Matmul "matmul_nn" 4;
        MatmulTN = Matmul "matmul_tn" 5;
        MatmulNT = Matmul "matmul_nt" 4;
        MatmulNTMasked = Matmul "matmul_nt_masked" 4;
        MatmulNNVec4 = MatmulVec4 "matmul_vec4_nn" 4;
        MatmulTNVec4 = MatmulVec4 "matmul_vec4_tn" 5;
        MatmulNNVec4Narrow = MatmulVec4 "matmul_vec4_nn_narrow" 4;
        MatmulTNVec4Narrow = MatmulVec4 "matmul_vec4_tn_narrow" 5;
        MatmulNNVec4A4 = MatmulVec4 "matmul_vec4_nn_a4" 4;
        MatmulTNVec4A4 = MatmulVec4 "matmul_vec4_tn_a4" 5;
        MatmulNNVec4A4Narrow = MatmulVec4 "matmul_vec4_nn_a4_narrow" 4;
        MatmulTNVec4A4Narrow = MatmulVec4 "matmul_vec4_tn_a4_narrow" 5;
        MatmulTiledNN64 = MatmulTiled "matmul_tiled_nn_64" 5;
        MatmulTiledTN64 = MatmulTiled "matmul_tiled_tn_64" 5;
        MatmulTiledNT64 = MatmulTiled "matmul_tiled_nt_64" 5;
        MatmulTiledNN32 = MatmulTiled "matmul_tiled_nn_32" 5;
        MatmulTiledTN32 = MatmulTiled "matmul_tiled_tn_32" 5;
        MatmulTiledNT32 = MatmulTiled "matmul_tiled_nt_32" 5;
        MatmulSplitNN = MatmulSplit "matmul_split_nn" 5;
        MatmulSplitTN = MatmulSplit "matmul_split_tn" 5;
        MatmulSplitNT = MatmulSplit "matmul_split_nt" 5;
        MatmulSplitReduce = MatmulSplit "matmul_split_reduce" 5;
        MatmulSplitReduceTree = MatmulSplit "matmul_split_reduce_tree" 5;
        MatmulNTVec4A4 = MatmulVec4 "matmul_vec4_nt_a4" 4;
        MatmulNTVec4A4Narrow = MatmulVec4 "matmul_vec4_nt_a4_narrow" 4;
        MatmulNTVec4A4Masked = MatmulVec4 "matmul_vec4_nt_a4_masked" 4;
        MatmulNTVec4A4NarrowMasked = MatmulVec4 "matmul_vec4_nt_a4_narrow_masked" 4;
        BiasForward = Bias "bias_forward" 3;
        BiasBackward = Bias "bias_backward" 2;
        BiasBackwardSplit = Bias "bias_backward_split" 2;
        ReluBackwardVec4 = Relu "relu_backward_vec4" 3;
        Im2colForward = Im2col "im2col_forward" 2;
        Im2colBackward = Im2col "im2col_backward" 2;
        Im2colForwardVec4 = Im2col "im2col_forward_vec4" 2;
        Im2colBackwardVec4 = Im2col "im2col_backward_vec4" 2;
        MaxpoolForward = Maxpool "maxpool_forward" 3;
        MaxpoolBackward = Maxpool "maxpool_backward" 3;
        MaxpoolForwardVec4 = Maxpool "maxpool_forward_vec4" 3;
        MaxpoolBackwardVec4 = Maxpool "maxpool_backward_vec4" 3;
        MaxpoolBackwardMasked = Maxpool "maxpool_backward_masked" 4;
        MaxpoolBackwardMaskedVec4 = Maxpool "maxpool_backward_masked_vec4" 4;
        AvgpoolForward = Avgpool "avgpool_forward" 2;
        AvgpoolBackward = Avgpool "avgpool_backward" 2;
        GlobalAvgPoolForward = GlobalPool "global_avg_pool_forward" 2;
        GlobalAvgPoolBackward = GlobalPool "global_avg_pool_backward" 2;
        GlobalMaxPoolForward = GlobalPool "global_max_pool_forward" 3;
        GlobalMaxPoolBackward = GlobalPool "global_max_pool_backward" 3;
        BatchNormStatistics = BatchNorm "batch_norm_statistics" 4;
        BatchNormForward = BatchNorm "batch_norm_forward" 5;
        BatchNormInferenceForward = BatchNorm "batch_norm_inference_forward" 6;
        BatchNormBackwardParameters = BatchNorm "batch_norm_backward_parameters" 5;
        BatchNormBackward = BatchNorm "batch_norm_backward" 7;
        LayerNormForward = LayerNorm "layer_norm_forward" 5;
        LayerNormBackward = LayerNorm "layer_norm_backward" 6;
        SoftmaxForward = Softmax "softmax_forward" 2;
        SoftmaxBackward = Softmax "softmax_backward" 3;
        SoftmaxCrossEntropyForward = SoftmaxCrossEntropy "softmax_cross_entropy_forward" 4;
        SoftmaxCrossEntropyBackward = SoftmaxCrossEntropy "softmax_cross_entropy_backward" 3;
        SparseSoftmaxCrossEntropyForward =
            SparseSoftmaxCrossEntropy "sparse_softmax_cross_entropy_forward" 4;
        SparseSoftmaxCrossEntropyBackward =
            SparseSoftmaxCrossEntropy "sparse_softmax_cross_entropy_backward" 3;
        SoftmaxCrossEntropyStep = SoftmaxCrossEntropy "softmax_cross_entropy_step" 6;
        SparseSoftmaxCrossEntropyStep =
            SparseSoftmaxCrossEntropy "sparse_softmax_cross_entropy_step" 6;
        SigmoidCrossEntropyForward = SigmoidCrossEntropy "sigmoid_cross_entropy_forward" 4;
        SigmoidCrossEntropyBackward = SigmoidCrossEntropy "sigmoid_cross_entropy_backward" 3;
        BinaryAccuracyForward = SigmoidCrossEntropy "binary_accuracy_forward" 3;
        MseForward = Mse "mse_forward" 3;
        MseBackward = Mse "mse_backward" 3;
        SumForward = Sum "sum_forward" 2;
        CounterStep = Counter "counter_step" 1 no_params;
        LrScheduleForward = LrSchedule "lr_schedule_forward" 3;
        ClipValueUpdate = Clip "clip_value_update" 1;
        ClipNormUpdate = Clip "clip_norm_update" 1;
        AdamUpdate = Adam "adam_update" 6;
        AdamStep = Adam "adam_step" 1;
        SgdUpdate = Sgd "sgd_update" 4;
        RmspropUpdate = Rmsprop "rmsprop_update" 5;
        WeightDecayUpdate = WeightDecay "weight_decay_update" 2;
        AccuracyForward = Accuracy "accuracy_forward" 3;
        SparseAccuracyForward = Accuracy "sparse_accuracy_forward" 3;
        TopKAccuracyForward = Accuracy "top_k_accuracy_forward" 3;
        SparseTopKAccuracyForward = Accuracy "sparse_top_k_accuracy_forward" 3;
        DropoutForward = Dropout "dropout_forward" 4;
        DropoutBackward = Dropout "dropout_backward" 3;
        SpatialDropoutForward = SpatialDropout "spatial_dropout_forward" 4;
        SpatialDropoutBackward = SpatialDropout "spatial_dropout_backward" 3;
        GatherForward = Gather "gather_forward" 4;
        GatherU8Forward = Gather "gather_u8_forward" 5;
        TransposeForward = Transpose "transpose_forward" 2;
        RescaleForward = Rescale "rescale_forward" 2;
        RescaleBackward = Rescale "rescale_backward" 2;
        Pad2dForward = Pad2d "pad2d_forward" 2;
        Pad2dBackward = Pad2d "pad2d_backward" 2;
        RegularizeForward = Regularize "regularize_forward" 2;
        RegularizeBackward = Regularize "regularize_backward" 2;
        DepthwiseConvForward = DepthwiseConv "depthwise_conv_forward" 4;
        DepthwiseConvBackward = DepthwiseConv "depthwise_conv_backward" 3;
        DepthwiseConvWeightGrad = DepthwiseConv "depthwise_conv_weight_grad" 3;
        AugmentForward = Augment "augment_forward" 3;
        AugmentBackward = Augment "augment_backward" 3;
    }
    // Elementwise activations: Name = file stem, what the backward reads, CPU twins
    // (, a four-at-a-time backward kernel listed above).
    unary {
        Relu = "relu", Output, cpu::relu_forward, cpu::relu_backward, vec4 ReluBackwardVec4;
        Sigmoid = "sigmoid", Output, cpu::sigmoid_forward, cpu::sigmoid_backward;
        Tanh = "tanh", Output, cpu::tanh_forward, cpu::tanh_backward;
        Gelu = "gelu", Input, cpu::gelu_forward, cpu::gelu_backward;
        LeakyRelu = "leaky_relu", Output, cpu::leaky_relu_forward, cpu::leaky_relu_backward;
    }
}

impl Unary {
    /// The parameter `ops::unary_forward` passes (`p.alpha` in the shader): leaky_relu's
    /// negative slope 0.2, as Keras's activation; 0 for ops without one.
    pub fn default_alpha(self) -> f32 {
        match self {
            Unary::LeakyRelu => cpu::LEAKY_RELU_SLOPE,
            _ => 0.0,
        }
    }
}
