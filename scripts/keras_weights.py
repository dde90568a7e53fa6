# Keras 3 <-> wgtrain: models and weights in both directions (needs keras and a backend,
# e.g. `pip install keras jax`; safetensors files are read and written here with numpy).
#
#   python3 scripts/keras_weights.py from-keras MODEL.keras OUT_DIR
#   python3 scripts/keras_weights.py from-keras MODEL.weights.h5 OUT_DIR --json MODEL.json
#       OUT_DIR/model.json: the model's to_json(); OUT_DIR/model.safetensors: its weights
#       under wgtrain's names (layers.{i}.kernel, …) with the model kept in the metadata, so
#       `wgtrain train|eval|predict --weights OUT_DIR/model.safetensors` needs nothing else.
#   python3 scripts/keras_weights.py to-keras DIR OUT.keras
#       DIR from `wgtrain export CHECKPOINT --out DIR` (model.json + model.safetensors) into
#       a Keras 3 model saved as OUT.keras (keras.models.load_model reads it).
#   python3 scripts/keras_weights.py predict MODEL.keras|DIR INPUT.f32 OUTPUT.f32
#       the model's predictions for raw little-endian float32 inputs (the round-trip test).
#   python3 scripts/keras_weights.py sgd-step DIR X.f32 Y.f32 LOSS LR OUT_DIR
#       one train_on_batch of plain SGD (rate LR, loss LOSS by Keras's name) on the whole
#       batch: OUT_DIR/loss.f32 (the step's loss as train_on_batch reports it: the loss
#       plus the regularization penalties, sum(model.losses), at the weights before the
#       step), OUT_DIR/regularization.f32 (that penalty alone) and OUT_DIR/model.safetensors
#       (the weights after it), for the round-trip test.
import json, os, struct, sys
import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras

FORMAT = "wgtrain-weights-1"
NAMES = ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance", "depthwise_kernel",
         "pointwise_kernel")


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n, = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    body = data[8 + n:]
    out = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            continue
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dtype="<f4").reshape(t["shape"])
    return out, meta


def write_safetensors(path, tensors, meta):
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    header["__metadata__"] = meta
    text = json.dumps(header, sort_keys=True).encode()
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(tmp, path)


def weights_of(model):
    """wgtrain's names for a Keras Sequential model's weights (layer i as model.layers[i])."""
    out = {}
    for i, layer in enumerate(model.layers):
        for w in layer.weights:
            if w.name not in NAMES:
                sys.exit(f"layer {i} ({layer.name}): weight {w.name} has no wgtrain name")
            out[f"layers.{i}.{w.name}"] = np.asarray(w.numpy(), dtype=np.float32)
    return out


def from_wgtrain(d):
    with open(os.path.join(d, "model.json")) as f:
        model = keras.models.model_from_json(f.read())
    tensors, _ = read_safetensors(os.path.join(d, "model.safetensors"))
    for i, layer in enumerate(model.layers):
        values = []
        for w in layer.weights:
            key = f"layers.{i}.{w.name}"
            if key not in tensors:
                sys.exit(f"{d}/model.safetensors has no tensor {key}")
            values.append(tensors.pop(key))
        if values:
            layer.set_weights(values)
    if tensors:
        sys.exit(f"{d}/model.safetensors holds tensors the model has no place for: {sorted(tensors)}")
    return model


def main(argv):
    if len(argv) >= 3 and argv[0] == "from-keras":
        src, out = argv[1], argv[2]
        if src.endswith(".weights.h5"):
            if len(argv) != 5 or argv[3] != "--json":
                sys.exit("a .weights.h5 file holds no model: add --json MODEL.json (model.to_json())")
            with open(argv[4]) as f:
                model = keras.models.model_from_json(f.read())
            model.load_weights(src)
        else:
            model = keras.models.load_model(src, compile=False)
        if not isinstance(model, keras.Sequential):
            sys.exit(f"{src}: a {type(model).__name__} model; wgtrain reads Sequential models")
        os.makedirs(out, exist_ok=True)
        text = model.to_json()
        with open(os.path.join(out, "model.json"), "w") as f:
            f.write(text)
        write_safetensors(os.path.join(out, "model.safetensors"), weights_of(model),
                          {"format": FORMAT, "model": text})
        print(f"wrote {out}/model.json and {out}/model.safetensors")
    elif len(argv) == 3 and argv[0] == "to-keras":
        model = from_wgtrain(argv[1])
        model.save(argv[2])
        print(f"wrote {argv[2]}")
    elif len(argv) == 4 and argv[0] == "predict":
        src = argv[1]
        model = from_wgtrain(src) if os.path.isdir(src) else keras.models.load_model(src, compile=False)
        x = np.fromfile(argv[2], dtype="<f4").reshape((-1,) + tuple(model.input_shape[1:]))
        model.predict(x, verbose=0).astype("<f4").tofile(argv[3])
    elif len(argv) == 7 and argv[0] == "sgd-step":
        model = from_wgtrain(argv[1])
        x = np.fromfile(argv[2], dtype="<f4").reshape((-1,) + tuple(model.input_shape[1:]))
        y = np.fromfile(argv[3], dtype="<f4").reshape((x.shape[0],) + tuple(model.output_shape[1:]))
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=float(argv[5])), loss=argv[4])
        # Keras's regularization losses (kernel_/bias_regularizer) at the starting weights:
        # train_on_batch adds them to the loss it returns.
        penalty = sum(float(keras.ops.convert_to_numpy(l)) for l in model.losses)
        loss = model.train_on_batch(x, y)
        os.makedirs(argv[6], exist_ok=True)
        np.asarray([loss], dtype="<f4").tofile(os.path.join(argv[6], "loss.f32"))
        np.asarray([penalty], dtype="<f4").tofile(os.path.join(argv[6], "regularization.f32"))
        write_safetensors(os.path.join(argv[6], "model.safetensors"), weights_of(model),
                          {"format": FORMAT, "model": model.to_json()})
    else:
        sys.exit("usage: keras_weights.py from-keras MODEL.keras OUT_DIR | from-keras MODEL.weights.h5 OUT_DIR --json MODEL.json | to-keras DIR OUT.keras | predict MODEL.keras|DIR INPUT.f32 OUTPUT.f32")


if __name__ == "__main__":
    main(sys.argv[1:])
