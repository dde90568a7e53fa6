//! The kernel registry: every WGSL shader and every entry point wgtrain dispatches,
//! listed once. Pipelines are built from this table on first use and cached by `Gpu`.

/// One WGSL source file in `shaders/`, compiled into the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shader {
    Matmul,
    MatmulVec4,
    Bias,
    Relu,
    Sigmoid,
    Tanh,
    Im2col,
    Maxpool,
    Softmax,
    SoftmaxCrossEntropy,
    Mse,
    Sum,
    Adam,
    Sgd,
    Accuracy,
    Dropout,
    Gather,
    Transpose,
}

impl Shader {
    /// Every shader, for tests that must cover them all.
    pub const ALL: [Shader; 18] = [
        Shader::Matmul,
        Shader::MatmulVec4,
        Shader::Bias,
        Shader::Relu,
        Shader::Sigmoid,
        Shader::Tanh,
        Shader::Im2col,
        Shader::Maxpool,
        Shader::Softmax,
        Shader::SoftmaxCrossEntropy,
        Shader::Mse,
        Shader::Sum,
        Shader::Adam,
        Shader::Sgd,
        Shader::Accuracy,
        Shader::Dropout,
        Shader::Gather,
        Shader::Transpose,
    ];

    /// File name under `shaders/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Shader::Matmul => "matmul.wgsl",
            Shader::MatmulVec4 => "matmul_vec4.wgsl",
            Shader::Bias => "bias.wgsl",
            Shader::Relu => "relu.wgsl",
            Shader::Sigmoid => "sigmoid.wgsl",
            Shader::Tanh => "tanh.wgsl",
            Shader::Im2col => "im2col.wgsl",
            Shader::Maxpool => "maxpool.wgsl",
            Shader::Softmax => "softmax.wgsl",
            Shader::SoftmaxCrossEntropy => "softmax_cross_entropy.wgsl",
            Shader::Mse => "mse.wgsl",
            Shader::Sum => "sum.wgsl",
            Shader::Adam => "adam.wgsl",
            Shader::Sgd => "sgd.wgsl",
            Shader::Accuracy => "accuracy.wgsl",
            Shader::Dropout => "dropout.wgsl",
            Shader::Gather => "gather.wgsl",
            Shader::Transpose => "transpose.wgsl",
        }
    }

    /// The WGSL source text (with the helpers of `shaders/lib/` it uses prepended).
    pub fn source(self) -> &'static str {
        match self {
            Shader::Matmul => include_str!("../../shaders/matmul.wgsl"),
            Shader::MatmulVec4 => include_str!("../../shaders/matmul_vec4.wgsl"),
            Shader::Bias => include_str!("../../shaders/bias.wgsl"),
            Shader::Relu => include_str!("../../shaders/relu.wgsl"),
            Shader::Sigmoid => include_str!("../../shaders/sigmoid.wgsl"),
            Shader::Tanh => include_str!("../../shaders/tanh.wgsl"),
            Shader::Im2col => concat!(
                include_str!("../../shaders/lib/divmod.wgsl"),
                include_str!("../../shaders/im2col.wgsl")
            ),
            Shader::Maxpool => concat!(
                include_str!("../../shaders/lib/divmod.wgsl"),
                include_str!("../../shaders/maxpool.wgsl")
            ),
            Shader::Softmax => include_str!("../../shaders/softmax.wgsl"),
            Shader::SoftmaxCrossEntropy => include_str!("../../shaders/softmax_cross_entropy.wgsl"),
            Shader::Mse => include_str!("../../shaders/mse.wgsl"),
            Shader::Sum => include_str!("../../shaders/sum.wgsl"),
            Shader::Adam => include_str!("../../shaders/adam.wgsl"),
            Shader::Sgd => include_str!("../../shaders/sgd.wgsl"),
            Shader::Accuracy => include_str!("../../shaders/accuracy.wgsl"),
            Shader::Dropout => include_str!("../../shaders/dropout.wgsl"),
            Shader::Gather => include_str!("../../shaders/gather.wgsl"),
            Shader::Transpose => include_str!("../../shaders/transpose.wgsl"),
        }
    }
}

/// One compute entry point. Binding 0 of every kernel is its uniform parameter block;
/// storage buffers follow at bindings 1..=`storage_bindings()`, in the order the
/// launcher passes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    MatmulNN,
    MatmulTN,
    MatmulNT,
    MatmulNNVec4,
    MatmulTNVec4,
    MatmulNNVec4Narrow,
    MatmulTNVec4Narrow,
    MatmulNNVec4A4,
    MatmulTNVec4A4,
    MatmulNNVec4A4Narrow,
    MatmulTNVec4A4Narrow,
    BiasForward,
    BiasBackward,
    ReluForward,
    ReluBackward,
    ReluBackwardVec4,
    SigmoidForward,
    SigmoidBackward,
    TanhForward,
    TanhBackward,
    Im2colForward,
    Im2colBackward,
    Im2colForwardVec4,
    Im2colBackwardVec4,
    MaxpoolForward,
    MaxpoolBackward,
    MaxpoolForwardVec4,
    MaxpoolBackwardVec4,
    SoftmaxForward,
    SoftmaxBackward,
    SoftmaxCrossEntropyForward,
    SoftmaxCrossEntropyBackward,
    MseForward,
    MseBackward,
    SumForward,
    AdamStep,
    AdamUpdate,
    SgdUpdate,
    AccuracyForward,
    DropoutForward,
    DropoutBackward,
    GatherForward,
    GatherU8Forward,
    TransposeForward,
}

impl Kernel {
    /// Every kernel, for tests that must cover them all.
    pub const ALL: [Kernel; 44] = [
        Kernel::MatmulNN,
        Kernel::MatmulTN,
        Kernel::MatmulNT,
        Kernel::MatmulNNVec4,
        Kernel::MatmulTNVec4,
        Kernel::MatmulNNVec4Narrow,
        Kernel::MatmulTNVec4Narrow,
        Kernel::MatmulNNVec4A4,
        Kernel::MatmulTNVec4A4,
        Kernel::MatmulNNVec4A4Narrow,
        Kernel::MatmulTNVec4A4Narrow,
        Kernel::BiasForward,
        Kernel::BiasBackward,
        Kernel::ReluForward,
        Kernel::ReluBackward,
        Kernel::ReluBackwardVec4,
        Kernel::SigmoidForward,
        Kernel::SigmoidBackward,
        Kernel::TanhForward,
        Kernel::TanhBackward,
        Kernel::Im2colForward,
        Kernel::Im2colBackward,
        Kernel::Im2colForwardVec4,
        Kernel::Im2colBackwardVec4,
        Kernel::MaxpoolForward,
        Kernel::MaxpoolBackward,
        Kernel::MaxpoolForwardVec4,
        Kernel::MaxpoolBackwardVec4,
        Kernel::SoftmaxForward,
        Kernel::SoftmaxBackward,
        Kernel::SoftmaxCrossEntropyForward,
        Kernel::SoftmaxCrossEntropyBackward,
        Kernel::MseForward,
        Kernel::MseBackward,
        Kernel::SumForward,
        Kernel::AdamStep,
        Kernel::AdamUpdate,
        Kernel::SgdUpdate,
        Kernel::AccuracyForward,
        Kernel::DropoutForward,
        Kernel::DropoutBackward,
        Kernel::GatherForward,
        Kernel::GatherU8Forward,
        Kernel::TransposeForward,
    ];

    /// (shader file, entry point name, number of storage bindings after the uniform).
    pub fn spec(self) -> (Shader, &'static str, usize) {
        use Kernel::*;
        match self {
            MatmulNN => (Shader::Matmul, "matmul_nn", 4),
            MatmulTN => (Shader::Matmul, "matmul_tn", 4),
            MatmulNT => (Shader::Matmul, "matmul_nt", 4),
            MatmulNNVec4 => (Shader::MatmulVec4, "matmul_vec4_nn", 4),
            MatmulTNVec4 => (Shader::MatmulVec4, "matmul_vec4_tn", 4),
            MatmulNNVec4Narrow => (Shader::MatmulVec4, "matmul_vec4_nn_narrow", 4),
            MatmulTNVec4Narrow => (Shader::MatmulVec4, "matmul_vec4_tn_narrow", 4),
            MatmulNNVec4A4 => (Shader::MatmulVec4, "matmul_vec4_nn_a4", 4),
            MatmulTNVec4A4 => (Shader::MatmulVec4, "matmul_vec4_tn_a4", 4),
            MatmulNNVec4A4Narrow => (Shader::MatmulVec4, "matmul_vec4_nn_a4_narrow", 4),
            MatmulTNVec4A4Narrow => (Shader::MatmulVec4, "matmul_vec4_tn_a4_narrow", 4),
            BiasForward => (Shader::Bias, "bias_forward", 3),
            BiasBackward => (Shader::Bias, "bias_backward", 2),
            ReluForward => (Shader::Relu, "relu_forward", 2),
            ReluBackward => (Shader::Relu, "relu_backward", 3),
            ReluBackwardVec4 => (Shader::Relu, "relu_backward_vec4", 3),
            SigmoidForward => (Shader::Sigmoid, "sigmoid_forward", 2),
            SigmoidBackward => (Shader::Sigmoid, "sigmoid_backward", 3),
            TanhForward => (Shader::Tanh, "tanh_forward", 2),
            TanhBackward => (Shader::Tanh, "tanh_backward", 3),
            Im2colForward => (Shader::Im2col, "im2col_forward", 2),
            Im2colBackward => (Shader::Im2col, "im2col_backward", 2),
            Im2colForwardVec4 => (Shader::Im2col, "im2col_forward_vec4", 2),
            Im2colBackwardVec4 => (Shader::Im2col, "im2col_backward_vec4", 2),
            MaxpoolForward => (Shader::Maxpool, "maxpool_forward", 3),
            MaxpoolBackward => (Shader::Maxpool, "maxpool_backward", 3),
            MaxpoolForwardVec4 => (Shader::Maxpool, "maxpool_forward_vec4", 3),
            MaxpoolBackwardVec4 => (Shader::Maxpool, "maxpool_backward_vec4", 3),
            SoftmaxForward => (Shader::Softmax, "softmax_forward", 2),
            SoftmaxBackward => (Shader::Softmax, "softmax_backward", 3),
            SoftmaxCrossEntropyForward => (
                Shader::SoftmaxCrossEntropy,
                "softmax_cross_entropy_forward",
                4,
            ),
            SoftmaxCrossEntropyBackward => (
                Shader::SoftmaxCrossEntropy,
                "softmax_cross_entropy_backward",
                3,
            ),
            MseForward => (Shader::Mse, "mse_forward", 3),
            MseBackward => (Shader::Mse, "mse_backward", 3),
            SumForward => (Shader::Sum, "sum_forward", 2),
            AdamStep => (Shader::Adam, "adam_step", 1),
            AdamUpdate => (Shader::Adam, "adam_update", 5),
            SgdUpdate => (Shader::Sgd, "sgd_update", 3),
            AccuracyForward => (Shader::Accuracy, "accuracy_forward", 3),
            DropoutForward => (Shader::Dropout, "dropout_forward", 4),
            DropoutBackward => (Shader::Dropout, "dropout_backward", 3),
            GatherForward => (Shader::Gather, "gather_forward", 4),
            GatherU8Forward => (Shader::Gather, "gather_u8_forward", 5),
            TransposeForward => (Shader::Transpose, "transpose_forward", 2),
        }
    }

    /// False for the few kernels that take no uniform parameter block (binding 0 unused).
    pub fn has_params(self) -> bool {
        !matches!(self, Kernel::AdamStep)
    }

    /// Pipeline-overridable constants of this kernel, named as in the shader.
    pub fn overrides(self) -> &'static [&'static str] {
        match self.spec().0 {
            Shader::Matmul | Shader::MatmulVec4 => &["WG_X"],
            _ => &[],
        }
    }

    /// The entry point's name, also used as the kernel's name in errors and profiles.
    pub fn name(self) -> &'static str {
        self.spec().1
    }
}
