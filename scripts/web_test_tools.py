#!/usr/bin/env python3
"""scripts/web-test.sh's helpers (standard library only):

    web_test_tools.py digit MNIST_DIR OUT.png    a test digit as a photo-like PNG: MNIST's
                                                 test image 1 (a 2), three times larger,
                                                 dark ink on a light grey page, off centre
    web_test_tools.py console LOG [--done]       the page's console lines ("WGTRAIN …") from
                                                 Chromium's stderr; --done: the JSON of the
                                                 last "WGTRAIN_DONE {json}" line
    web_test_tools.py report DIR --mlp-min A --cnn-min B
                                                 print the figures of the runs in DIR and
                                                 exit 1 if a check fails
"""

import argparse
import gzip
import json
import os
import re
import struct
import sys
import zlib

# ---------------------------------------------------------------------------- digit


def read_idx_image(path, index):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051 or index >= n:
            sys.exit(f"{path}: not an IDX image file with more than {index} images")
        f.seek(16 + index * rows * cols)
        return rows, cols, f.read(rows * cols)


def write_gray_png(path, w, h, pixels):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(pixels[y * w:(y + 1) * w]) for y in range(h))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def digit(mnist_dir, out):
    name = "t10k-images-idx3-ubyte"
    path = os.path.join(mnist_dir, name + ".gz")
    if not os.path.exists(path):
        path = os.path.join(mnist_dir, name)
    rows, cols, img = read_idx_image(path, 1)
    scale, w, h, ox, oy, paper = 3, 130, 110, 31, 9, 232
    pixels = [paper] * (w * h)
    for y in range(rows * scale):
        for x in range(cols * scale):
            ink = img[(y // scale) * cols + x // scale]
            pixels[(oy + y) * w + ox + x] = round(paper - ink * paper / 255)
    write_gray_png(out, w, h, pixels)


# -------------------------------------------------------------------------- console

START = re.compile(r':CONSOLE[^\]]*\] "(.*)$')
END = re.compile(r'^(.*)", source: .*\(\d+\)$')


def console_messages(log):
    """Every console message in Chromium's stderr (multi-line ones joined with \\n)."""
    messages, current = [], None
    with open(log, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if current is None:
                m = START.search(line)
                if not m:
                    continue
                current, line = [], m.group(1)
            end = END.match(line)
            if end:
                current.append(end.group(1))
                messages.append("\n".join(current))
                current = None
            else:
                current.append(line)
    return messages


def console(log, done):
    messages = console_messages(log)
    if done:
        finals = [m for m in messages if m.startswith("WGTRAIN_DONE ")]
        if not finals:
            sys.exit(f"{log}: no WGTRAIN_DONE line")
        print(finals[-1][len("WGTRAIN_DONE "):])
        return
    for m in messages:
        if m.startswith("WGTRAIN "):
            print(m[len("WGTRAIN "):])
        elif not m.startswith("WGTRAIN_DONE "):
            print(f"(console) {m[:300]}")


# --------------------------------------------------------------------------- report


def load(d, name):
    """The JSON in DIR/NAME, or {} when it is missing or unreadable (reported as failures)."""
    path = os.path.join(d, name)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def report(d, mlp_min, cnn_min):
    failures = []

    def check(ok, what):
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    mlp, cnn, nat = load(d, "mlp.json"), load(d, "cnn.json"), load(d, "native.json")
    print("\n== results")
    print(f"adapter: {mlp.get('adapter')}")
    for name, r in (("mlp", mlp), ("cnn", cnn), ("native weights", nat)):
        if r.get("error"):
            check(False, f"{name}: the page failed: {r['error']}")
    print("kernel checks (GPU against the CPU twin, in the page):")
    for c in mlp.get("checks", []):
        if "max_diff" in c:
            text = (
                f"{c.get('kernel'):<24} {c.get('shape', ''):<28} max_diff {c['max_diff']:.3g}"
                f"  (tolerance {c.get('tolerance', float('nan')):.3g})"
            )
        else:
            text = f"{c.get('kernel')}: {c.get('error', 'no max_diff')}"
        check(bool(c.get("ok")), text)
    check(len(mlp.get("checks", [])) >= 4, f"{len(mlp.get('checks', []))} kernel checks ran (at least 4)")
    for name, r, lo in (("MLP", mlp, mlp_min), ("CNN", cnn, cnn_min)):
        acc = (r.get("test") or {}).get("accuracy")
        ms = r.get("ms_per_step")
        ms_text = f"{ms:.1f} ms/step" if isinstance(ms, (int, float)) else "ms/step ?"
        steps = r["epochs_log"][-1].get("steps") if r.get("epochs_log") else "?"
        print(
            f"{name}: limit {r.get('limit')}, {r.get('epochs')} epoch ({steps} steps), {ms_text}, "
            f"training {r.get('train_ms')} ms, test eval {r.get('eval_ms')} ms"
        )
        check(acc is not None and acc >= lo, f"{name} test accuracy {acc} >= {lo}")
    # Browser → CLI.
    ev = load(d, "native_eval_browser_weights.json")
    b_acc = (mlp.get("test") or {}).get("accuracy")
    n_eval = ev.get("accuracy")
    check(
        b_acc is not None and n_eval is not None and abs(n_eval - b_acc) <= 1e-3,
        f"browser-trained MLP weights: wgtrain eval {n_eval} vs the page {b_acc}"
        f" ({ev.get('samples')} test images), within 1e-3",
    )
    ev = load(d, "native_eval_browser_cnn.json")
    c_acc = (cnn.get("test") or {}).get("accuracy")
    n_eval = ev.get("accuracy")
    check(
        c_acc is not None and n_eval is not None and abs(n_eval - c_acc) <= 1e-3,
        f"browser-trained CNN weights: wgtrain eval {n_eval} vs the page {c_acc}"
        f" ({ev.get('samples')} test images), within 1e-3",
    )
    # CLI → browser.
    ev = load(d, "native_eval_native_weights.json")
    n_acc = (nat.get("test") or {}).get("accuracy")
    n_eval = ev.get("accuracy")
    check(
        n_acc is not None and n_eval is not None and abs(n_eval - n_acc) <= 1e-3,
        f"CLI-trained MLP weights: the page {n_acc} vs wgtrain eval {n_eval}, within 1e-3",
    )
    # The page's preprocessing of a picture against `wgtrain predict`'s.
    pred = load(d, "native_predict.json")
    native_probs = [0.0] * 10
    for t in pred.get("top", []):
        native_probs[t["class"]] = t["probability"]
    page = (mlp.get("predict") or {}).get("probabilities")
    if page is None:
        check(False, "the page classified the digit picture")
    else:
        diff = max(abs(a - b) for a, b in zip(page, native_probs))
        best = native_probs.index(max(native_probs))
        check(
            diff <= 1e-3,
            f"digit picture: the page says {mlp['predict']['class']}, wgtrain predict says {best};"
            f" probabilities' max difference {diff:.2g} (within 1e-3)",
        )
    # The controls as a user uses them (tests/web/ui.html).
    ui = load(d, "ui.json")
    check(not ui.get("error") and ui.get("rows") == 1 and "test accuracy" in ui.get("test", ""),
          f"controls: Train filled the epoch table and says {ui.get('test')!r} {ui.get('error') or ''}")
    check((ui.get("preview_ink") or 0) > 10 and ui.get("drawn") is not None,
          f"controls: a stroke on the pad became {ui.get('preview_ink')} inked pixels, classified as {ui.get('drawn')}")
    check((ui.get("saved") or 0) > 1000 and ui.get("test2") == ui.get("test"),
          f"controls: Save gave {ui.get('saved')} bytes; loaded back and evaluated: {ui.get('test2')!r}")
    check(ui.get("picture") == str((mlp.get("predict") or {}).get("class")) and ui.get("picture_logged"),
          f"controls: the picture chosen is classified as {ui.get('picture')} (the auto run: "
          f"{(mlp.get('predict') or {}).get('class')})")
    # Without WebGPU the page says so (and trains nothing).
    nogpu = load(d, "nogpu.json")
    err = nogpu.get("error") or ""
    check(
        not nogpu.get("ok") and "webgpu" in err.lower() and not nogpu.get("test"),
        f"Chromium without WebGPU: the page says {err!r}",
    )
    if failures:
        print(f"web-test: FAILED ({len(failures)} checks)")
        sys.exit(1)
    print("web-test: passed")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("digit")
    d.add_argument("mnist_dir")
    d.add_argument("out")
    c = sub.add_parser("console")
    c.add_argument("log")
    c.add_argument("--done", action="store_true")
    r = sub.add_parser("report")
    r.add_argument("dir")
    r.add_argument("--mlp-min", type=float, required=True)
    r.add_argument("--cnn-min", type=float, required=True)
    a = p.parse_args()
    if a.cmd == "digit":
        digit(a.mnist_dir, a.out)
    elif a.cmd == "console":
        console(a.log, a.done)
    else:
        report(a.dir, a.mlp_min, a.cnn_min)


if __name__ == "__main__":
    main()
