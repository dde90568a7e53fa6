# Keras 3 reference runs of the seed models, for side-by-side accuracy and time figures:
# same MNIST files, model, Adam defaults, batch 32, validation_split 0.2.
#   pip install tensorflow-cpu   # Keras 3 comes with it
#   MNIST_DIR=data/mnist python3 scripts/keras_reference.py SEED [mlp|cnn|cnn_bn] [EPOCHS]
# cnn_bn is models/mnist_cnn_batchnorm.json with sparse (integer) labels.
# --dataset cifar10: TensorFlow's CNN tutorial on CIFAR-10's binary archive
# ($CIFAR10_DIR, default data/cifar10: cifar-10-binary.tar.gz or cifar-10-batches-bin/):
# the same Conv2D 32/64/64 stack on 32×32×3 (122,570 parameters), Adam defaults, batch 32,
# 10 epochs, no validation split (the tutorial validates on the test set, which does not
# change training), evaluated on the 10,000 test images. The wgtrain side:
#   wgtrain train --dataset cifar10 --model cnn --epochs 10 --validation-split 0 --seed SEED
#   CIFAR10_DIR=data/cifar10 python3 scripts/keras_reference.py SEED cnn 10 --dataset cifar10
# KERAS_JSON=out.json writes the model's to_json() instead of training (test fixtures).
# Prints one JSON line: test_loss, test_accuracy, seconds_per_epoch.
import gzip, json, os, struct, sys, tarfile, time
import numpy as np
import keras
D = os.environ.get("MNIST_DIR", "data/mnist") + "/"
dataset = "mnist"
if "--dataset" in sys.argv:
    i = sys.argv.index("--dataset"); dataset = sys.argv[i + 1]; del sys.argv[i:i + 2]
if dataset not in ("mnist", "cifar10"):
    sys.exit("keras_reference.py: --dataset mnist or cifar10")
def cifar10():
    # The binary version: records of a label byte and 3,072 bytes of R, G, B planes (32×32
    # each, row-major), read as wgtrain reads them: NHWC in [0, 1].
    d = os.environ.get("CIFAR10_DIR", "data/cifar10")
    names = ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"]
    if os.path.isfile(os.path.join(d, "cifar-10-binary.tar.gz")):
        with tarfile.open(os.path.join(d, "cifar-10-binary.tar.gz"), "r:gz") as t:
            got = {m.name.rsplit("/", 1)[-1]: t.extractfile(m).read() for m in t.getmembers()
                   if m.isfile() and m.name.rsplit("/", 1)[-1] in names}
    else:
        sub = os.path.join(d, "cifar-10-batches-bin")
        d = sub if os.path.isdir(sub) else d
        got = {n: open(os.path.join(d, n), "rb").read() for n in names}
    def split(ns):
        r = np.frombuffer(b"".join(got[n] for n in ns), dtype=np.uint8).reshape(-1, 3073)
        x = r[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype("float32") / 255.0
        return x, r[:, 0].astype("int64")
    return split(names[:5]) + split(names[5:])
def idx(name):
    with gzip.open(D + name, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4]); nd = magic & 0xff
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data[4 + 4 * nd:], dtype=np.uint8).reshape(dims)
seed = int(sys.argv[1]); model_kind = sys.argv[2] if len(sys.argv) > 2 else "mlp"
if dataset == "cifar10" and model_kind != "cnn":
    sys.exit("keras_reference.py: --dataset cifar10 runs the tutorial's cnn")
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else (10 if model_kind == "mlp" else 5)
keras.utils.set_random_seed(seed)
sparse = model_kind == "cnn_bn"
L = keras.layers
if model_kind == "mlp":
    model = keras.Sequential([keras.Input((784,)), L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")])
elif model_kind == "cnn_bn":
    model = keras.Sequential([keras.Input((28, 28, 1)),
        L.Conv2D(32, 3, activation="relu"), L.BatchNormalization(),
        L.Conv2D(32, 3, activation="relu"), L.BatchNormalization(),
        L.MaxPooling2D(2), L.Dropout(0.25),
        L.Conv2D(64, 3, activation="relu"), L.BatchNormalization(),
        L.Conv2D(64, 3, activation="relu"), L.BatchNormalization(),
        L.MaxPooling2D(2), L.Dropout(0.25), L.Flatten(),
        L.Dense(256, activation="relu"), L.BatchNormalization(), L.Dropout(0.5),
        L.Dense(10, activation="softmax")])
else:
    side = (32, 32, 3) if dataset == "cifar10" else (28, 28, 1)
    model = keras.Sequential([keras.Input(side), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"),
        L.Flatten(), L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")])
loss = "sparse_categorical_crossentropy" if sparse else "categorical_crossentropy"
model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
if os.environ.get("SUMMARY"):
    model.summary()
if os.environ.get("KERAS_JSON"):
    # The model as Keras writes it (tests/fixtures/keras/*.json); no training.
    with open(os.environ["KERAS_JSON"], "w") as f:
        f.write(model.to_json())
    sys.exit(0)
shape = (-1, 784) if model_kind == "mlp" else (-1, 28, 28, 1)
onehot = (lambda y: y) if sparse else (lambda y: keras.utils.to_categorical(y, 10))
if dataset == "cifar10":
    xtr, ytr, xte, yte = cifar10()
    ytr, yte = onehot(ytr), onehot(yte)
else:
    xtr = idx("train-images-idx3-ubyte.gz").astype("float32").reshape(shape) / 255.0
    ytr = onehot(idx("train-labels-idx1-ubyte.gz"))
    xte = idx("t10k-images-idx3-ubyte.gz").astype("float32").reshape(shape) / 255.0
    yte = onehot(idx("t10k-labels-idx1-ubyte.gz"))
split = 0.0 if dataset == "cifar10" else 0.2
class T(keras.callbacks.Callback):
    def on_epoch_begin(self, e, logs=None): self.t = time.time()
    def on_epoch_end(self, e, logs=None): times.append(round(time.time() - self.t, 2))
times = []
model.fit(xtr, ytr, epochs=epochs, batch_size=32, validation_split=split, verbose=0, callbacks=[T()])
loss, acc = model.evaluate(xte, yte, verbose=0)
print(json.dumps({"dataset": dataset, "model": model_kind, "seed": seed, "params": model.count_params(), "test_loss": round(loss, 4), "test_accuracy": round(acc, 4), "seconds_per_epoch": times}), flush=True)
