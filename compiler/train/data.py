"""MNIST data: idx(.gz) reader, npz subsets, and a LightningDataModule.

Inputs are RAW pixels (0..255) as float32 tensors, flattened to (N, 784); the
model does its own input binarization / scaling, so what the exported net.yaml
sees (uint8 pixels) is exactly what training saw.

A data directory holds either the four standard files

    train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]
    t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]

or one ``*.npz`` with uint8 arrays ``x_train`` (N, 28, 28) or (N, 784),
``y_train``, ``x_test``, ``y_test`` (e.g. the shipped ``tests/data/mnist_subset.npz``).
A path to such an npz file also works.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
from torch import Tensor
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class DataError(ValueError):
    """A data file is missing or malformed (message is one line)."""


def read_idx(path: str | Path) -> np.ndarray:
    """Read an idx file (optionally gzip-compressed; detected by magic bytes).

    Returns an array of the file's element type and shape.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: not an idx file (bad magic)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise DataError(f"{path}: unknown idx element type 0x{code:02x}")
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    dtype = np.dtype(_IDX_DTYPES[code])
    count = int(np.prod(dims)) if dims else 1
    offset = 4 + 4 * ndim
    if len(raw) - offset != count * dtype.itemsize:
        raise DataError(f"{path}: size {len(raw) - offset} does not match header {dims}")
    return np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(dims).astype(dtype.newbyteorder("="))


def _find(directory: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        p = directory / name
        if p.exists():
            return p
    raise DataError(f"{directory}: missing {stem}[.gz]")


@dataclass
class MnistArrays:
    """MNIST as uint8 arrays: images flattened to (N, 784), labels (N,) int64."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_mnist(path: str | Path) -> MnistArrays:
    """Load MNIST from a directory of idx(.gz) files, a directory with one npz, or an npz file."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: data path does not exist")
    npz: Path | None = None
    if path.is_file():
        npz = path
    else:
        try:
            arrays = {k: read_idx(_find(path, stem)) for k, stem in IDX_FILES.items()}
        except DataError:
            npzs = sorted(path.glob("*.npz"))
            if len(npzs) != 1:
                raise DataError(f"{path}: needs the four MNIST idx(.gz) files or exactly one .npz") from None
            npz = npzs[0]
    if npz is not None:
        with np.load(npz) as f:
            missing = [k for k in IDX_FILES if k not in f]
            if missing:
                raise DataError(f"{npz}: missing arrays {missing}")
            arrays = {k: f[k] for k in IDX_FILES}
    out = {}
    for k, a in arrays.items():
        if k.startswith("x"):
            if a.dtype != np.uint8:
                raise DataError(f"{path}: {k} must be uint8, not {a.dtype}")
            out[k] = np.ascontiguousarray(a.reshape(a.shape[0], -1))
        else:
            out[k] = a.astype(np.int64).reshape(-1)
    for s in ("train", "test"):
        if out[f"x_{s}"].shape[0] != out[f"y_{s}"].shape[0]:
            raise DataError(f"{path}: x_{s} and y_{s} differ in length")
    return MnistArrays(**out)


class TensorBatches(Dataset):
    """A dataset indexed by *lists* of indices, returning whole batches at once.

    Used with ``DataLoader(batch_size=None, sampler=BatchSampler(...))``: one
    fancy-indexing gather per batch instead of one collate per sample.
    """

    def __init__(self, x: Tensor, y: Tensor) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __getitem__(self, idx: list[int]) -> tuple[Tensor, Tensor]:
        i = torch.as_tensor(idx, dtype=torch.long)
        return self.x[i], self.y[i]


class MnistDataModule(pl.LightningDataModule):
    """MNIST with a seeded validation split carved from the training set.

    Args:
        data_dir: see :func:`load_mnist`.
        batch_size: training batch size (evaluation uses 1000).
        val_size: number of training images held out for validation (an int),
            or a fraction in (0, 1).
        seed: seed of the split and of the training shuffle.

    The test set is used only by ``trainer.test`` (final evaluation).
    """

    def __init__(self, data_dir: str | Path, batch_size: int = 100, val_size: float = 5000,
                 seed: int = 0, eval_batch_size: int = 1000) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.batch_size = int(batch_size)
        self.eval_batch_size = int(eval_batch_size)
        self.val_size = val_size
        self.seed = int(seed)
        self._ready = False

    def setup(self, stage: str | None = None) -> None:
        if self._ready:
            return
        d = load_mnist(self.data_dir)
        n = d.x_train.shape[0]
        n_val = round(self.val_size * n) if 0 < self.val_size < 1 else int(self.val_size)
        if not 0 <= n_val < n:
            raise DataError(f"{self.data_dir}: val_size {self.val_size} does not fit {n} training images")
        perm = np.random.default_rng(self.seed).permutation(n)
        tr, va = perm[n_val:], perm[:n_val]
        f = lambda a: torch.from_numpy(a.astype(np.float32))
        g = lambda a: torch.from_numpy(a.astype(np.int64))
        self.train_set = TensorBatches(f(d.x_train[tr]), g(d.y_train[tr]))
        self.val_set = TensorBatches(f(d.x_train[va]), g(d.y_train[va]))
        self.test_set = TensorBatches(f(d.x_test), g(d.y_test))
        self.num_features = int(d.x_train.shape[1])
        self.num_classes = int(max(d.y_train.max(), d.y_test.max()) + 1)
        self._ready = True

    def _loader(self, ds: TensorBatches, batch_size: int, shuffle: bool) -> DataLoader:
        if shuffle:
            gen = torch.Generator().manual_seed(self.seed)
            sampler = BatchSampler(RandomSampler(ds, generator=gen), batch_size, drop_last=False)
        else:
            sampler = BatchSampler(SequentialSampler(ds), batch_size, drop_last=False)
        return DataLoader(ds, batch_size=None, sampler=sampler, num_workers=0)

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_set, self.batch_size, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_set, self.eval_batch_size, shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_set, self.eval_batch_size, shuffle=False)
