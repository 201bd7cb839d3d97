"""Image data: MNIST idx(.gz) reader, npz subsets, CIFAR-10 python batches, a LightningDataModule.

Inputs are RAW pixels (0..255) as float32 tensors, flattened channel-last to
(N, H*W*C) ((N, 784) for MNIST); the model does its own input binarization /
scaling (and a conv net its own reshape to NCHW), so what the exported net.yaml
sees (uint8 pixels, (H, W, C)) is exactly what training saw.

A data directory holds either the four standard files

    train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]
    t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]

or one ``*.npz`` with uint8 arrays ``x_train`` (N, 28, 28) or (N, 784),
``y_train``, ``x_test``, ``y_test`` (e.g. the shipped ``tests/data/mnist_subset.npz``).
A path to such an npz file also works.

CIFAR-10 (``dataset: cifar10``) is read from the standard python version: a
folder (or its parent, holding ``cifar-10-batches-py``) with the pickled batches
``data_batch_1`` .. ``data_batch_5`` and ``test_batch``, each a dict with
``b"data"``, (N, 3072) uint8 in CHW order, and ``b"labels"``. Images are turned
channel-last, (N, 32*32*3) with element ``(h*32 + w)*3 + c``.

Every data file is untrusted: only regular files are opened (a FIFO or a device
never is), an idx file's header is read first and the size it declares is checked
against the byte budget (``--max-bytes``) before anything is allocated, a gzip
stream is read no further than the header declares, an npz member's declared size
is checked before it is read, and a CIFAR-10 batch's file size before it is unpickled.
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pytorch_lightning as pl
import torch
from torch import Tensor
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler

from compiler.errors import BnncError, describe
from compiler.frontend.arrays import not_regular, read_npz
from compiler.limits import DEFAULT_MAX_BYTES, fmt_bytes

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
# Where a user gets each data set (named in the errors for missing data; bnnc never downloads).
DATA_SOURCES = {
    "mnist": "published at https://yann.lecun.com/exdb/mnist/ and its mirrors",
    "cifar10": "in cifar-10-python.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, unpacked",
}


def data_needs(dataset: str) -> str:
    """The files a data set's folder must hold, their standard names and where they are published."""
    if dataset == "cifar10":
        return (f"the CIFAR-10 python batches {', '.join(CIFAR10_TRAIN)}, {CIFAR10_TEST} "
                f"({DATA_SOURCES['cifar10']})")
    return f"the MNIST files {', '.join(v + '.gz' for v in IDX_FILES.values())} ({DATA_SOURCES['mnist']})"

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


# Labels are class indices; more classes than this is a damaged file, not a data set.
LABEL_MAX = 65535
_READ_CHUNK = 16 << 20


class DataError(BnncError, ValueError):
    """A data file is missing or malformed (message is one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def check_regular(path: Path, what: str, error: type[BnncError] = DataError) -> None:
    """Refuse a missing path or one that is not a regular file, without opening it (a FIFO would block)."""
    try:
        kind = not_regular(path)
    except FileNotFoundError:
        raise error(f"{path}: {what} must be an existing file, not missing") from None
    except OSError as e:
        raise error(f"{path}: {what} must be a readable file, not fail with {e.strerror or e}") from None
    if kind:
        raise error(f"{path}: {what} must be a regular file, not {kind}")


def _read_at_most(stream: BinaryIO, n: int) -> bytearray:
    """``n`` bytes of ``stream`` in one buffer (fewer only where it ends); never reads past ``n``."""
    buf = bytearray(n)
    got = 0
    with memoryview(buf) as view:
        while got < n:
            k = stream.readinto(view[got:got + _READ_CHUNK])
            if not k:
                break
            got += k
    if got < n:
        del buf[got:]
    return buf


def _idx_short(path: Path, declared: int, held: str) -> DataError:
    return DataError(f"{path}: the idx file must hold {declared} bytes of data as its header declares, not {held}")


def read_idx(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
    """Read an idx file (optionally gzip-compressed; detected by magic bytes).

    The header is read first; the data it declares must fit ``max_bytes`` and the
    file must hold exactly that much (a gzip stream is never inflated past it).
    Returns an array of the file's element type and shape.
    """
    path = Path(path)
    check_regular(path, "the idx file")
    gz = False
    try:
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
            fh.seek(0)
            stream: BinaryIO = gzip.GzipFile(fileobj=fh, mode="rb") if gz else fh  # type: ignore[assignment]
            head = stream.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0:
                raise DataError(f"{path}: the idx file must begin with the idx magic (0, 0, type, dimensions), "
                                f"not {describe(bytes(head))}")
            code, ndim = head[2], head[3]
            if code not in _IDX_DTYPES:
                raise DataError(f"{path}: the idx element type must be one of "
                                f"{', '.join(f'0x{c:02x}' for c in _IDX_DTYPES)}, not 0x{code:02x}")
            raw_dims = stream.read(4 * ndim)
            if len(raw_dims) < 4 * ndim:
                raise DataError(f"{path}: the idx header must hold its {ndim} dimensions ({4 * ndim} bytes), "
                                f"not {len(raw_dims)} bytes of them")
            dims = struct.unpack(f">{ndim}I", raw_dims)
            dtype = np.dtype(_IDX_DTYPES[code])
            count = 1
            for d in dims:
                count *= d
            declared = count * dtype.itemsize
            if declared > max_bytes:
                raise DataError(f"{path}: the idx file must declare at most {fmt_bytes(max_bytes)} (--max-bytes), "
                                f"not {fmt_bytes(declared)} (shape {list(dims)}, {dtype})")
            if not gz:  # a plain file's size tells before anything is read
                held = path.stat().st_size - (4 + 4 * ndim)
                if held != declared:
                    raise _idx_short(path, declared, str(held))
            try:
                raw = _read_at_most(stream, declared)
            except EOFError:  # the gzip stream ends inside the data
                raise _idx_short(path, declared, "fewer (the gzip stream is cut short)") from None
            if len(raw) < declared:
                raise _idx_short(path, declared, str(len(raw)))
            try:
                extra = stream.read(1)
            except EOFError:  # a cut-short stream after the data: still more than declared
                extra = b"\0"
            if extra:  # one byte past the data tells; a gzip bomb is never inflated further
                raise _idx_short(path, declared, "more")
    except DataError:
        raise
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        why = " ".join(str(e).split())[:200] or type(e).__name__
        kind = "a readable gzip stream" if gz else "readable"
        raise DataError(f"{path}: the idx file must be {kind}, not fail with {why}") from None
    return np.frombuffer(raw, dtype=dtype, count=count).reshape(dims).astype(dtype.newbyteorder("="))


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        p = directory / name
        if p.exists() or p.is_symlink():
            return p
    return None


def _read_data_npz(npz: Path, max_bytes: int) -> dict[str, np.ndarray]:
    """The four arrays of a data set .npz, its regular-file rule and byte budget checked before reading."""
    check_regular(npz, "the data .npz")
    try:
        with zipfile.ZipFile(npz) as z:
            sizes = {i.filename.removesuffix(".npy"): i.file_size for i in z.infolist()}
    except (OSError, zipfile.BadZipFile, ValueError) as e:
        why = " ".join(str(e).split())[:200] or type(e).__name__
        raise DataError(f"{npz}: the data must be a NumPy .npz archive of arrays, not an unreadable file ({why})") \
            from None
    missing = [k for k in IDX_FILES if k not in sizes]
    if missing:
        raise DataError(f"{npz}: the data .npz must hold arrays {', '.join(IDX_FILES)}, not miss "
                        f"{', '.join(missing)}")
    total = sum(sizes.values())
    if total > max_bytes:
        raise DataError(f"{npz}: the data .npz must hold at most {fmt_bytes(max_bytes)} (--max-bytes), "
                        f"not {fmt_bytes(total)} as the archive declares")
    try:
        arrays = read_npz(npz, max_bytes, what="the data")
    except BnncError as e:
        raise DataError(str(e)) from None
    return {k: arrays[k] for k in IDX_FILES}


@dataclass
class MnistArrays:
    """A dataset as uint8 arrays: images flattened channel-last to (N, H*W*C), labels (N,) int64.

    ``shape`` is one image's (H, W, C).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    shape: tuple[int, int, int] = (28, 28, 1)


ImageArrays = MnistArrays


def load_mnist(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> MnistArrays:
    """Load MNIST from a directory of idx(.gz) files, a directory with one npz, or an npz file.

    ``max_bytes`` bounds what each idx file declares, and an npz archive's arrays together.
    """
    path = Path(path)
    try:
        kind = not_regular(path) if path.exists() else "missing"
    except OSError as e:
        raise DataError(f"{path}: the data path must be usable, not fail with {e.strerror or e}") from None
    if kind not in (None, "a folder"):
        raise DataError(f"{path}: the data path must be a folder or an .npz file, not {kind}")
    if kind is None:
        arrays = _read_data_npz(path, max_bytes)
    else:
        found = {k: _find(path, stem) for k, stem in IDX_FILES.items()}
        if all(found.values()):
            arrays = {k: read_idx(p, max_bytes) for k, p in found.items()}  # type: ignore[arg-type]
        else:
            npzs = sorted(path.glob("*.npz"))
            if len(npzs) != 1:
                missing = [IDX_FILES[k] for k, p in found.items() if p is None]
                raise DataError(f"{path}: the data folder must hold the four MNIST idx(.gz) files or exactly one "
                                f".npz, not miss {', '.join(missing)} beside {len(npzs)} .npz "
                                f"({DATA_SOURCES['mnist']})")
            arrays = _read_data_npz(npzs[0], max_bytes)
    out = {}
    for k, a in arrays.items():
        if k.startswith("x"):
            if a.dtype != np.uint8:
                raise DataError(f"{path}: {k} must be uint8, not {a.dtype}")
            if a.ndim < 2 or a.size == 0:
                raise DataError(f"{path}: {k} must hold at least one image (N, ...) of pixels, "
                                f"not shape {list(a.shape)}")
            out[k] = np.ascontiguousarray(a.reshape(a.shape[0], -1))
        else:
            if a.dtype.kind not in "iu":
                raise DataError(f"{path}: {k} must hold integer class labels, not {a.dtype}")
            if a.size and (int(a.min()) < 0 or int(a.max()) > LABEL_MAX):
                raise DataError(f"{path}: {k} must hold class labels in [0, {LABEL_MAX}], "
                                f"not [{int(a.min())}, {int(a.max())}]")
            out[k] = a.astype(np.int64).reshape(-1)
    for s in ("train", "test"):
        if out[f"x_{s}"].shape[0] != out[f"y_{s}"].shape[0]:
            raise DataError(f"{path}: y_{s} must hold one label per image of x_{s} ({out[f'x_{s}'].shape[0]}), "
                            f"not {out[f'y_{s}'].shape[0]}")
    if out["x_train"].shape[1] != out["x_test"].shape[1]:
        raise DataError(f"{path}: x_test's images must have the {out['x_train'].shape[1]} pixels of x_train's, "
                        f"not {out['x_test'].shape[1]}")
    return MnistArrays(**out)


CIFAR10_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST = "test_batch"
CIFAR10_SHAPE = (32, 32, 3)

# What a CIFAR-10 batch pickle may reference: numpy arrays (numpy 1 and 2 module names) and the
# latin-1 bytes trick of Python 2 pickles. Anything else is refused, so a crafted file cannot run code.
_PICKLE_GLOBALS = {
    ("_codecs", "encode"), ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
}


class _BatchUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in _PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR-10 batch")
        if module.startswith("numpy.core.") and int(np.__version__.split(".")[0]) >= 2:
            module = "numpy._core." + module[len("numpy.core."):]  # numpy 2 moved (and deprecated) numpy.core
        return super().find_class(module, name)


def read_cifar_batch(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: images (N, 32*32*3) uint8 channel-last and labels (N,) int64.

    The file must be a regular file of at most ``max_bytes`` (a pickle builds little more than it holds).
    """
    path = Path(path)
    check_regular(path, "the CIFAR-10 batch")
    size = path.stat().st_size
    if size > max_bytes:
        raise DataError(f"{path}: the CIFAR-10 batch must be at most {fmt_bytes(max_bytes)} (--max-bytes), "
                        f"not {fmt_bytes(size)}")
    try:
        with open(path, "rb") as fh:
            d = _BatchUnpickler(io.BufferedReader(fh), encoding="bytes").load()
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror or e}") from None
    except Exception as e:  # any unpickling failure of a malformed file is a data error
        raise DataError(f"{path}: not a CIFAR-10 python batch ({type(e).__name__}: "
                        f"{str(e).splitlines()[0] if str(e) else ''})") from None
    if not isinstance(d, dict) or b"data" not in d or b"labels" not in d:
        raise DataError(f"{path}: a CIFAR-10 batch must be a dict with b'data' and b'labels', not "
                        f"{type(d).__name__}{' with keys ' + str(sorted(d)) if isinstance(d, dict) else ''}")
    x = np.asarray(d[b"data"])
    y = np.asarray(d[b"labels"])
    n = 32 * 32 * 3
    if x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != n:
        raise DataError(f"{path}: b'data' must be uint8 of shape (N, {n}), not {x.dtype} {x.shape}")
    if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer) or (y.size and (y.min() < 0 or y.max() > 9)):
        raise DataError(f"{path}: b'labels' must be {x.shape[0]} integers in 0..9, not {y.dtype} {y.shape}")
    # CHW rows -> channel-last (H, W, C), the order bnnc streams and the exported net.yaml declares.
    hwc = x.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).reshape(-1, n)
    return np.ascontiguousarray(hwc), y.astype(np.int64)


def load_cifar10(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> MnistArrays:
    """Load CIFAR-10 from a folder of python batches (or its parent holding ``cifar-10-batches-py``)."""
    path = Path(path)
    if not path.is_dir():
        raise DataError(f"{path}: data path must be a folder with the CIFAR-10 python batches, not "
                        f"{'missing' if not path.exists() else 'a file'}")
    if not (path / CIFAR10_TEST).exists() and (path / "cifar-10-batches-py").is_dir():
        path = path / "cifar-10-batches-py"
    missing = [f for f in (*CIFAR10_TRAIN, CIFAR10_TEST) if not (path / f).exists()]
    if missing:
        raise DataError(f"{path}: needs the CIFAR-10 python batches data_batch_1..5 and test_batch, "
                        f"missing {', '.join(missing)} ({DATA_SOURCES['cifar10']})")
    train = [read_cifar_batch(path / f, max_bytes) for f in CIFAR10_TRAIN]
    x_test, y_test = read_cifar_batch(path / CIFAR10_TEST, max_bytes)
    return MnistArrays(np.concatenate([t[0] for t in train]), np.concatenate([t[1] for t in train]),
                       x_test, y_test, CIFAR10_SHAPE)


def load_dataset(dataset: str, path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> MnistArrays:
    """Load ``mnist`` (:func:`load_mnist`) or ``cifar10`` (:func:`load_cifar10`) from ``path``."""
    if dataset == "mnist":
        return load_mnist(path, max_bytes)
    if dataset == "cifar10":
        return load_cifar10(path, max_bytes)
    raise DataError(f"dataset must be 'mnist' or 'cifar10', not {dataset!r}")


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


class AugmentedBatches(TensorBatches):
    """Training batches with random translations (and horizontal flips), drawn from a seeded generator.

    Each image (channel-last, flat ``(H*W*C)`` rows) is shifted by up to ``shift``
    pixels on each axis, the uncovered border filled with 0 (black, the MNIST
    background; a zero-padded crop for CIFAR-10), and, with ``flip``, mirrored
    left-right with probability 1/2. ``x`` stays the un-augmented images.
    """

    def __init__(self, x: Tensor, y: Tensor, shape: tuple[int, int, int], shift: int, flip: bool,
                 seed: int) -> None:
        super().__init__(x, y)
        self.shape, self.shift, self.flip = shape, int(shift), bool(flip)
        self.gen = torch.Generator().manual_seed(seed)

    def __getitem__(self, idx: list[int]) -> tuple[Tensor, Tensor]:
        x, y = super().__getitem__(idx)
        h, w, c = self.shape
        b, s = x.shape[0], self.shift
        img = torch.nn.functional.pad(x.reshape(b, h, w, c), (0, 0, s, s, s, s))  # zeros around H and W
        dy = torch.randint(0, 2 * s + 1, (b, 1), generator=self.gen)
        dx = torch.randint(0, 2 * s + 1, (b, 1), generator=self.gen)
        cols = torch.arange(w).expand(b, w)
        if self.flip:
            mirror = torch.rand(b, 1, generator=self.gen) < 0.5
            cols = torch.where(mirror, w - 1 - cols, cols)
        rows = dy + torch.arange(h)
        out = img[torch.arange(b)[:, None, None], rows[:, :, None], (dx + cols)[:, None, :]]
        return out.reshape(b, -1), y


class MnistDataModule(pl.LightningDataModule):
    """MNIST (or CIFAR-10) with a seeded validation split carved from the training set.

    Args:
        data_dir: see :func:`load_mnist` / :func:`load_cifar10`.
        batch_size: training batch size (evaluation uses 1000).
        val_size: number of training images held out for validation (an int),
            or a fraction in (0, 1).
        seed: seed of the split and of the training shuffle.
        dataset: ``mnist`` or ``cifar10``.
        augment_shift, augment_flip: random translation by up to this many pixels,
            and random left-right mirroring, of the training images only
            (:class:`AugmentedBatches`; seeded by ``seed``).
        max_bytes: the byte budget of each data file, and of the float32 tensors
            the images become (four bytes per pixel).

    The test set is used only by ``trainer.test`` (final evaluation).
    """

    def __init__(self, data_dir: str | Path, batch_size: int = 100, val_size: float = 5000,
                 seed: int = 0, eval_batch_size: int = 1000, dataset: str = "mnist",
                 augment_shift: int = 0, augment_flip: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__()
        self.max_bytes = int(max_bytes)
        self.data_dir = Path(data_dir)
        self.dataset = dataset
        self.augment_shift = int(augment_shift)
        self.augment_flip = bool(augment_flip)
        self.batch_size = int(batch_size)
        self.eval_batch_size = int(eval_batch_size)
        self.val_size = val_size
        self.seed = int(seed)
        self._ready = False

    def setup(self, stage: str | None = None) -> None:
        if self._ready:
            return
        d = load_dataset(self.dataset, self.data_dir, self.max_bytes)
        as_float = 4 * (d.x_train.size + d.x_test.size)
        if as_float > self.max_bytes:
            raise DataError(f"{self.data_dir}: the images must need at most {fmt_bytes(self.max_bytes)} as float32 "
                            f"tensors (--max-bytes), not {fmt_bytes(as_float)}")
        n = d.x_train.shape[0]
        n_val = round(self.val_size * n) if 0 < self.val_size < 1 else int(self.val_size)
        if not 0 <= n_val < n:
            of = f" ({self.val_size} of {n})" if 0 < self.val_size < 1 else ""
            raise DataError(f"{self.data_dir}: field train.val_size must be fewer than the {n} training images, "
                            f"not {n_val}{of}")
        perm = np.random.default_rng(self.seed).permutation(n)
        tr, va = perm[n_val:], perm[:n_val]
        f = lambda a: torch.from_numpy(a.astype(np.float32))
        g = lambda a: torch.from_numpy(a.astype(np.int64))
        if self.augment_shift or self.augment_flip:
            h, w, c = d.shape
            if d.x_train.shape[1] != h * w * c or self.augment_shift >= min(h, w):
                raise DataError(f"{self.data_dir}: augmentation needs {h}x{w}x{c} images and a shift below "
                                f"{min(h, w)}, not {d.x_train.shape[1]} values and shift {self.augment_shift}")
            # Its own generator (seed + 1), so augmenting does not move the shuffle's random stream.
            self.train_set: TensorBatches = AugmentedBatches(f(d.x_train[tr]), g(d.y_train[tr]), d.shape,
                                                             self.augment_shift, self.augment_flip, self.seed + 1)
        else:
            self.train_set = TensorBatches(f(d.x_train[tr]), g(d.y_train[tr]))
        self.val_set = TensorBatches(f(d.x_train[va]), g(d.y_train[va]))
        self.test_set = TensorBatches(f(d.x_test), g(d.y_test))
        self.num_features = int(d.x_train.shape[1])
        self.image_shape = d.shape
        # CIFAR-10 has ten classes whatever labels a (small) copy happens to hold.
        seen = int(max(d.y_train.max(), d.y_test.max()) + 1)
        self.num_classes = max(seen, 10) if self.dataset == "cifar10" else seen
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


# The data module reads CIFAR-10 too; this name says so.
ImageDataModule = MnistDataModule
