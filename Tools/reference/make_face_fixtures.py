"""Reference outputs of the two face models from TFLite's interpreter (ai-edge-litert), for the engine's tests.

For each portrait: the whole photo letterboxed to 128x128 (Pillow bilinear, zero border) is the detector's input;
the best detection's box, enlarged 1.5x and squared, cropped and resized to 192x192 is the mesh's input. Both
inputs are stored as 8-bit PNGs (the tests rebuild the same float tensors: x/127.5 - 1 and x/255), with the
interpreter's raw outputs as float32 .npy.
"""
import os
import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter, OpResolverType

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PHOTOS = os.path.join(ROOT, "..", "shared", "testimages")
OUT = os.path.join(ROOT, "Tests", "TFLiteFormatTests", "Fixtures", "faces")


def interpreter(name):
    it = Interpreter(model_path=os.path.join(ROOT, "Weights", name),
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    return it


def run(it, x):
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return {d["name"]: it.get_tensor(d["index"]).copy() for d in it.get_output_details()}


def letterbox(img, size):
    w, h = img.size
    s = size / max(w, h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    canvas = Image.new("RGB", (size, size))
    canvas.paste(img.resize((nw, nh), Image.BILINEAR), ((size - nw) // 2, (size - nh) // 2))
    return canvas, s, (size - nw) // 2, (size - nh) // 2


def anchors():
    out = []
    for stride, count in ((8, 2), (16, 6)):
        n = 128 // stride
        for y in range(n):
            for x in range(n):
                out += [((x + 0.5) / n, (y + 0.5) / n)] * count
    return np.array(out, np.float32)


def photos():
    yield "astronaut", Image.open(os.path.join(PHOTOS, "astronaut.png")).convert("RGB")
    hopper = Image.open(os.path.join(PHOTOS, "grace_hopper.jpg")).convert("RGB")
    yield "grace_hopper", hopper
    yield "camera", Image.open(os.path.join(PHOTOS, "camera.png")).convert("RGB")
    yield "grace_hopper_rolled", hopper.rotate(20, resample=Image.BILINEAR, expand=True, fillcolor=(128, 128, 128))


def main():
    det, mesh = interpreter("face_detection_short_range.tflite"), interpreter("face_landmark.tflite")
    a = anchors()
    for name, img in photos():
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        box, s, ox, oy = letterbox(img, 128)
        box.save(os.path.join(folder, "detector-input.png"))
        x = (np.asarray(box, np.float32) / 127.5 - 1.0)[None]
        o = run(det, x)
        reg, cls = o["regressors"], o["classificators"]
        np.save(os.path.join(folder, "detector-regressors.npy"), reg.astype(np.float32))
        np.save(os.path.join(folder, "detector-classificators.npy"), cls.astype(np.float32))
        best = int(np.argmax(cls[0, :, 0]))
        cx = (reg[0, best, 0] / 128 + a[best, 0]) * 128
        cy = (reg[0, best, 1] / 128 + a[best, 1]) * 128
        side = max(reg[0, best, 2], reg[0, best, 3]) * 1.5
        # Back to photo pixels.
        cx, cy, side = (cx - ox) / s, (cy - oy) / s, side / s
        crop = img.crop((round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2)))
        crop = crop.resize((192, 192), Image.BILINEAR)
        crop.save(os.path.join(folder, "mesh-input.png"))
        m = run(mesh, (np.asarray(crop, np.float32) / 255.0)[None])
        np.save(os.path.join(folder, "mesh-landmarks.npy"), m["conv2d_20"].astype(np.float32))
        np.save(os.path.join(folder, "mesh-flag.npy"), m["conv2d_30"].astype(np.float32))
        print(name, "score", float(1 / (1 + np.exp(-cls[0, best, 0]))), "face flag", float(m["conv2d_30"].ravel()[0]))


if __name__ == "__main__":
    main()
