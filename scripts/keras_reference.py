# Keras 3 reference runs of the seed models, for side-by-side accuracy and time figures:
# same MNIST files, model, Adam defaults, batch 32, validation_split 0.2.
#   pip install tensorflow-cpu   # Keras 3 comes with it
#   MNIST_DIR=data/mnist python3 scripts/keras_reference.py SEED [mlp|cnn|cnn_bn] [EPOCHS]
# cnn_bn is models/mnist_cnn_batchnorm.json with sparse (integer) labels.
# KERAS_JSON=out.json writes the model's to_json() instead of training (test fixtures).
# Prints one JSON line: test_loss, test_accuracy, seconds_per_epoch.
import gzip, json, os, struct, sys, time
import numpy as np
import keras
D = os.environ.get("MNIST_DIR", "data/mnist") + "/"
def idx(name):
    with gzip.open(D + name, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4]); nd = magic & 0xff
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data[4 + 4 * nd:], dtype=np.uint8).reshape(dims)
seed = int(sys.argv[1]); model_kind = sys.argv[2] if len(sys.argv) > 2 else "mlp"
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
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
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
xtr = idx("train-images-idx3-ubyte.gz").astype("float32").reshape(shape) / 255.0
ytr = onehot(idx("train-labels-idx1-ubyte.gz"))
xte = idx("t10k-images-idx3-ubyte.gz").astype("float32").reshape(shape) / 255.0
yte = onehot(idx("t10k-labels-idx1-ubyte.gz"))
class T(keras.callbacks.Callback):
    def on_epoch_begin(self, e, logs=None): self.t = time.time()
    def on_epoch_end(self, e, logs=None): times.append(round(time.time() - self.t, 2))
times = []
model.fit(xtr, ytr, epochs=epochs, batch_size=32, validation_split=0.2, verbose=0, callbacks=[T()])
loss, acc = model.evaluate(xte, yte, verbose=0)
print(json.dumps({"model": model_kind, "seed": seed, "test_loss": round(loss, 4), "test_accuracy": round(acc, 4), "seconds_per_epoch": times}), flush=True)
