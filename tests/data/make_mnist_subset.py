"""Re-create mnist_subset.npz from the full MNIST idx(.gz) files.

    python tests/data/make_mnist_subset.py [MNIST_DIR]   # default ../shared/data/mnist

Takes the FIRST 2000 training images/labels and the FIRST 500 test images/labels
(no shuffling, so the subset is reproducible from the originals byte for byte)
and writes them uint8, (N, 28, 28) / (N,), with np.savez_compressed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from compiler.train.data import load_mnist  # noqa: E402  (after the sys.path set-up)

N_TRAIN, N_TEST = 2000, 500


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "data" / "mnist"
    d = load_mnist(src)
    np.savez_compressed(
        HERE / "mnist_subset.npz",
        x_train=d.x_train[:N_TRAIN].reshape(-1, 28, 28),
        y_train=d.y_train[:N_TRAIN].astype(np.uint8),
        x_test=d.x_test[:N_TEST].reshape(-1, 28, 28),
        y_test=d.y_test[:N_TEST].astype(np.uint8),
    )


if __name__ == "__main__":
    main()
