"""Train a TFC-W1A2 with Brevitas on MNIST and export it with export_qonnx: the model bnnc imports here.

    python examples/brevitas_tfc_w1a2/train_brevitas.py [--data-dir ../shared/data/mnist] [--epochs 10]

Brevitas's bnn_pynq TFC topology (784-64-64-64-10) with ±1 weights (SignedBinaryWeightPerTensorConst),
ternary activations (SignedTernaryActPerTensorConst, "A2" = {-1, 0, +1}), the input as 2x - 1 binarized
by a BipolarQuant, and a per-class BatchNorm1d before the scores (designs/brevitas_models.py). bnn_pynq's
scalar TensorNorm there instead leaves exact ties between classes whose integer scores are equal (6 of the
10,000 test images in a 10-epoch run): torch breaks them by float32 rounding noise, bnnc by the lowest
class index (ONNX's TopK / ArgMax rule), so the two would differ on exactly those images. Adam with a cosine
schedule, seeded. Writes, beside this script: model.onnx (raw export_qonnx), brevitas_metrics.json (the
torch model's accuracy on the 10,000 test images, the command, the time) and brevitas_predictions.npy
(its class for each test image: what bnnc's reference and RTL must give).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from compiler.train.data import load_mnist  # noqa: E402
from designs import brevitas_models as bm  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default=str(HERE.parent.parent.parent / "shared" / "data" / "mnist"))
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    d = load_mnist(args.data_dir)
    xt, yt = bm.as_torch(d.x_train.astype(np.uint8)), torch.from_numpy(d.y_train.astype(np.int64))
    model = bm.Mlp(1, 2, head="batchnorm")
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    steps = args.epochs * ((len(xt) + 99) // 100)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=1e-5)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 100):
            idx = perm[i:i + 100]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}/{args.epochs} done, {time.time() - t0:.0f} s", flush=True)
    model.eval()
    x_test = d.x_test.astype(np.uint8).reshape(-1, 28, 28)
    with torch.no_grad():
        pred = model(bm.as_torch(x_test)).argmax(1).numpy()
    acc = float(np.mean(pred == d.y_test))
    raw, _ = bm.export(model, HERE, "model")
    (HERE / "model_clean.onnx").unlink()  # the raw export is the example; the tests cover cleaned ones
    # torch's exporter first writes the weights beside the file; Brevitas then saves them inside it
    (HERE / "model.onnx.data").unlink(missing_ok=True)
    np.save(HERE / "brevitas_predictions.npy", pred.astype(np.int64))
    (HERE / "brevitas_metrics.json").write_text(json.dumps({
        "model": "TFC-W1A2 (784-64-64-64-10), Brevitas " + __import__("brevitas").__version__,
        "brevitas_test_acc": acc, "test_images": int(len(pred)), "epochs": args.epochs, "seed": args.seed,
        "train_seconds": round(time.time() - t0, 1), "torch_threads": 1,
        "command": "python examples/brevitas_tfc_w1a2/train_brevitas.py --epochs " + str(args.epochs),
    }, indent=2) + "\n")
    print(f"Brevitas TFC-W1A2: {acc * 100:.2f}% on {len(pred)} test images; wrote {raw}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
