# PyTorch eager beside `wgtrain bench`: the seed MLP and seed CNN (the Keras tutorials'
# models, as in scripts/keras_reference.py) trained with Adam (Keras's defaults: lr 1e-3,
# eps 1e-7), categorical cross-entropy, batch 32, FP32 with TF32 off, on random inputs of
# MNIST's shape (the time per step does not depend on the pixels). Prints one JSON line:
# device, torch version, ms per step for each model, steps timed.
#   python3 scripts/pytorch_reference.py [cuda|cpu] [STEPS]
# On the `device` machine (an NVIDIA GPU, PyTorch installed): python3
# scripts/pytorch_reference.py cuda 500, beside `wgtrain bench --json` through Vulkan.
import json, sys, time
import torch
import torch.nn as nn

dev = sys.argv[1] if len(sys.argv) > 1 else ("cuda" if torch.cuda.is_available() else "cpu")
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.manual_seed(42)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn():
    # Keras's Conv2D(32, 3) … on 28×28×1, channels first here (PyTorch's layout).
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(64 * 3 * 3, 64), nn.ReLU(), nn.Linear(64, 10))


def ms_per_step(model):
    model = model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()  # softmax + categorical cross-entropy, fused
    x = torch.rand(steps, 32, 1, 28, 28, device=dev)
    y = torch.randint(0, 10, (steps, 32), device=dev)

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[i]), y[i])
        loss.backward()
        opt.step()
        return loss

    for i in range(min(20, steps)):  # warm-up: kernels chosen, memory pooled
        step(i)
    if dev == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for i in range(steps):
        step(i)
    if dev == "cuda":
        torch.cuda.synchronize()
    return 1e3 * (time.perf_counter() - t) / steps


out = {
    "device": torch.cuda.get_device_name() if dev == "cuda" else "cpu",
    "torch": torch.__version__,
    "steps": steps,
    "mlp_ms_per_step": round(ms_per_step(mlp()), 3),
    "cnn_ms_per_step": round(ms_per_step(cnn()), 3),
}
print(json.dumps(out), flush=True)
