"""Bad-input cases of ``bnnc train``: its output folder, its config, its data files, its options, its checkpoints.

See tests/bad_inputs/cases.py for the Case type and the building blocks. Every case here
stops before training starts (they take well under a second each, Lightning's import aside).
"""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np

from tests.bad_inputs.cases import BOMB, THREE_GIB, Case, Setup, _mk, fifo, file, npy_bytes, symlink, yaml_text

# A valid tiny config: every case below breaks one thing beside it.
CFG = ("name: t\nmodel: {hidden: [8]}\n"
       "train: {max_epochs: 1, batch_size: 4, val_size: 4, threads: 1, early_stopping_patience: 0}\n")
T = r"\S*/t\.yaml"
RANDOM_7840 = np.random.default_rng(0).integers(0, 256, 7840, dtype=np.uint8).tobytes()
TRAIN = "train {d}/t.yaml --data-dir {d}/data.npz --no-progress-bar --out {d}/o"


def cfg(text: str = CFG) -> Setup:
    return yaml_text(text, "t.yaml")


def data_npz(name: str = "data.npz", **arrays: np.ndarray) -> Setup:
    """A tiny MNIST-shaped data set (16 training and 4 test images) as an .npz, ``arrays`` replacing its members."""
    def setup(d: Path) -> None:
        rng = np.random.default_rng(0)
        members = {"x_train": rng.integers(0, 256, (16, 28, 28), dtype=np.uint8), "y_train": np.arange(16) % 10,
                   "x_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8), "y_test": np.arange(4)}
        members.update(arrays)
        np.savez(d / name, **members)
    return setup


def _idx(dims: tuple[int, ...], data: bytes | None = None) -> bytes:
    """An idx file of uint8 declaring ``dims``, with ``data`` (default: zeros, as many as declared)."""
    head = struct.pack(">BBBB", 0, 0, 0x08, len(dims)) + struct.pack(f">{len(dims)}I", *dims)
    return head + (bytes(int(np.prod(dims))) if data is None else data)


def idx_folder(images: bytes | None = None, name: str = "train-images-idx3-ubyte") -> Setup:
    """``mnist/`` with the four idx files of a 10-image data set; ``images`` replaces the training images' file."""
    def setup(d: Path) -> None:
        (d / "mnist").mkdir()
        (d / "mnist" / "train-labels-idx1-ubyte").write_bytes(_idx((10,)))
        (d / "mnist" / "t10k-images-idx3-ubyte").write_bytes(_idx((2, 28, 28)))
        (d / "mnist" / "t10k-labels-idx1-ubyte").write_bytes(_idx((2,)))
        (d / "mnist" / name).write_bytes(_idx((10, 28, 28)) if images is None else images)
    return setup


def gzip_bomb(dims: tuple[int, ...], inflated: int = 4 << 30) -> bytes:
    """A gzip stream of an idx header declaring ``dims`` that inflates to ``inflated`` bytes (4 GiB in ~4 MB).

    One compressed MiB of zeros, repeated: gzip allows many members in one file.
    """
    mib = 1 << 20
    head = _idx(dims, b"")
    first = gzip.compress(head + bytes(mib - len(head)), compresslevel=9)
    rest = gzip.compress(bytes(mib), compresslevel=9)
    return first + rest * (inflated // mib - 1)


def checkpoint(name: str, payload: object) -> Setup:
    """A torch.save file holding ``payload`` (torch imported only when the case runs)."""
    def setup(d: Path) -> None:
        import torch
        torch.save(payload, d / name)
    return setup


def bnn_checkpoint(name: str, in_features: int = 784, classes: int = 10) -> Setup:
    """A checkpoint of a (untrained) 784-8-10 style network made for ``in_features`` inputs and ``classes``."""
    def setup(d: Path) -> None:
        import torch

        from compiler.train.config import validate
        from compiler.train.module import BnnClassifier
        config = validate({"model": {"hidden": [8]}}).to_dict()
        model = BnnClassifier(config, in_features=in_features, classes=classes)
        torch.save({"hyper_parameters": {"config": config, "in_features": in_features, "classes": classes},
                    "state_dict": model.state_dict()}, d / name)
    return setup


class _Evil:
    """Unpickling it would call print: what torch's safe loader must refuse."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("bnnc ran code from a checkpoint",))


def marker(folder_name: str, files: list[str]) -> Setup:
    return file(f"{folder_name}/train_manifest.json", json.dumps({"bnnc_version": "0.1.0", "files": files}))


OUT_RULE = (r"field --out: output folder's calibration\.npy, metrics\.json, net\.yaml, weights\.npz must be bnnc's "
            r"own \(listed in its train_manifest\.json\), not '{name}' that bnnc did not write \({n} such file\(s\)\); "
            r"bnnc replaces only its own files, so move them or choose another --out")

CASES: list[Case] = [
    # ------------------------------------------------------------------ output: train --out replaces only bnnc's own
    _mk("train_out_holds_a_hand_written_net_yaml", "output", TRAIN, OUT_RULE.format(name=r"net\.yaml", n=1),
        cfg(), data_npz(), file("o/net.yaml", "# mine\n"), file("o/README.md", "notes\n")),
    _mk("train_out_holds_user_files_of_bnnc_names", "output", TRAIN, OUT_RULE.format(name=r"metrics\.json", n=2),
        cfg(), data_npz(), file("o/metrics.json", "{}"), file("o/weights.npz", "mine")),
    # a marker that lists net.yaml, but not weights.npz: the user's weights.npz stays theirs
    _mk("train_out_marker_lists_other_files", "output", TRAIN, OUT_RULE.format(name=r"weights\.npz", n=1),
        cfg(), data_npz(), marker("o", ["net.yaml"]), file("o/net.yaml", "x"), file("o/weights.npz", "mine")),
    # a marker edited to claim the user's own files hands over only names bnnc writes
    _mk("train_out_marker_claims_a_readme", "output", TRAIN, OUT_RULE.format(name=r"net\.yaml", n=1),
        cfg(), data_npz(), marker("o", ["README.md"]), file("o/net.yaml", "x"), file("o/README.md", "notes")),
    _mk("train_out_marker_not_bnnc_json", "output", TRAIN,
        r"field --out: output folder's train_manifest\.json must be one bnnc wrote, not '\S+/o/train_manifest\.json'; "
        r"move it or choose another --out", cfg(), data_npz(), file("o/train_manifest.json", "{not json")),
    _mk("train_out_is_the_config", "output", "train {d}/o/net.yaml --data-dir {d}/data.npz --out {d}/o",
        r"field --out: output folder must not hold bnnc's inputs, not contain '\S+/o/net\.yaml'; choose another --out",
        data_npz(), marker("o", ["net.yaml"]), file("o/net.yaml", CFG)),
    _mk("train_out_is_a_file", "output", TRAIN.replace("{d}/o", "{d}/x.npy"),
        r"field --out: output must be a folder, not an existing file '\S+/x\.npy'", cfg(), data_npz()),
    _mk("train_out_dangling_link", "output", TRAIN,
        r"field --out: output must be a folder or a link to one, not a dangling link '\S+/o'",
        cfg(), data_npz(), symlink("o", "nowhere")),
    _mk("train_work_dir_is_a_file", "output", TRAIN + " --work-dir {d}/x.npy",
        r"field --work-dir: --work-dir must be a folder, not an existing file '\S+/x\.npy'", cfg(), data_npz()),

    # ------------------------------------------------------------------ alloc: bombs and hanging files
    _mk("train_idx_gzip_bomb", "alloc", TRAIN.replace("data.npz", "mnist"),
        r"\S+/mnist/train-images-idx3-ubyte\.gz: the idx file must hold 7840 bytes of data as its header declares, "
        r"not more", cfg(), idx_folder(gzip_bomb((10, 28, 28)), "train-images-idx3-ubyte.gz")),
    _mk("train_idx_declares_3gib", "alloc", TRAIN.replace("data.npz", "mnist"),
        r"\S+/mnist/train-images-idx3-ubyte: the idx file must declare at most 2147483648 bytes \(2\.0 GiB\) "
        r"\(--max-bytes\), not 3221225472 bytes \(3\.0 GiB\) \(shape \[3, 1073741824\], uint8\)",
        cfg(), idx_folder(_idx((3, 1 << 30), b""))),
    _mk("train_idx_over_max_bytes", "alloc", TRAIN.replace("data.npz", "mnist") + " --max-bytes 1000",
        r"\S+/mnist/train-images-idx3-ubyte: the idx file must declare at most 1000 bytes \(--max-bytes\), not 7840 "
        r"bytes \(7\.7 KiB\) \(shape \[10, 28, 28\], uint8\)", cfg(), idx_folder()),
    _mk("train_idx_is_a_fifo", "alloc", TRAIN.replace("data.npz", "mnist"),
        r"\S+/mnist/t10k-images-idx3-ubyte: the idx file must be a regular file, not a FIFO",
        cfg(), idx_folder(), lambda d: ((d / "mnist" / "t10k-images-idx3-ubyte").unlink(),
                                        fifo("mnist/t10k-images-idx3-ubyte")(d))),
    _mk("train_npz_member_declares_3gib", "alloc", TRAIN,
        r"\S+/data\.npz: array x_train must be at most 2147483648 bytes \(2\.0 GiB\) \(--max-bytes\), not 3221225472 "
        r"bytes \(3\.0 GiB\) as its header declares \(shape \[402653184\], float64\)",
        cfg(), data_npz(), lambda d: _replace_member(d / "data.npz", "x_train", npy_bytes((THREE_GIB,), "<f8"))),
    _mk("train_data_is_a_fifo", "alloc", TRAIN.replace("data.npz", "data.fifo"),
        r"\S+/data\.fifo: the data path must be a folder or an \.npz file, not a FIFO", cfg(), fifo("data.fifo")),
    _mk("train_config_billion_laughs", "alloc", TRAIN,
        T + r": line 7: the YAML must have at most 1000000 values once aliases are expanded, not \d+ or more",
        cfg(BOMB), data_npz()),
    _mk("train_config_is_a_fifo", "alloc", TRAIN, T + r": the training config must be a regular file, not a FIFO",
        fifo("t.yaml"), data_npz()),
    _mk("train_config_huge", "alloc", TRAIN,
        T + r": the training config must be at most 16777216 bytes \(16\.0 MiB\), not 17825792 bytes \(17\.0 MiB\)",
        cfg("#" * (17 << 20)), data_npz()),
    _mk("train_network_beyond_max_bytes", "alloc", TRAIN,
        T + r": field model: the network must need at most 2147483648 bytes \(2\.0 GiB\) to train \(--max-bytes\), "
        r"not \d+ bytes \(\d+\.\d GiB\) or more \(7,960,000,020 parameters, batches of 4\); shrink model\.hidden, "
        r"model\.conv or train\.batch_size", cfg(CFG.replace("[8]", "[10000000]")), data_npz()),
    _mk("train_checkpoint_is_a_fifo", "alloc", TRAIN + " --from-checkpoint {d}/c.ckpt",
        r"\S+/c\.ckpt: the checkpoint must be a regular file, not a FIFO", cfg(), data_npz(), fifo("c.ckpt")),

    # ------------------------------------------------------------------ internal: once exit 70
    _mk("train_trainer_unknown_key", "internal", TRAIN + " --trainer foo=1",
        r"field --trainer: --trainer KEY must be one of accumulate_grad_batches, .*, val_check_interval, not 'foo'",
        cfg(), data_npz()),
    _mk("train_trainer_bad_value", "internal", TRAIN + " --trainer max_steps=lots",
        r"field --trainer: --trainer max_steps must be -1 \(no limit\) or a positive integer, not 'lots'",
        cfg(), data_npz()),
    _mk("train_trainer_no_value", "internal", TRAIN + " --trainer precision",
        r"field --trainer: --trainer must be KEY=VALUE, not 'precision'", cfg(), data_npz()),
    _mk("train_devices_zero", "internal", TRAIN + " --devices 0",
        r"argument --devices: must be 'auto', a positive number of devices or a comma list of device indices "
        r"\(0,1\), not '0'; see 'bnnc train --help'", cfg(), data_npz()),
    _mk("train_seed_huge", "internal", TRAIN + " --seed 99999999999999",
        r"argument --seed: must be a whole number in \[0, 4294967295\], not '99999999999999'; see 'bnnc train --help'",
        cfg(), data_npz()),
    _mk("train_config_seed_huge", "internal", TRAIN,
        T + r": field train\.seed must be an integer in \[0, 4294967295\], not 99999999999999",
        cfg(CFG.replace("threads: 1", "threads: 1, seed: 99999999999999")), data_npz()),
    _mk("train_threads_huge", "internal", TRAIN + " --threads 1099511627776",
        r"argument --threads: must be a whole number in \[0, 1024\], not '1099511627776'; see 'bnnc train --help'",
        cfg(), data_npz()),
    _mk("train_strategy_unknown", "internal", TRAIN + " --strategy warp",
        r"field --strategy: --strategy must be 'auto' or one of the \d+ strategies Lightning registers \(ddp, .*\), "
        r"not 'warp'", cfg(), data_npz()),
    _mk("train_labels_negative", "internal", TRAIN,
        r"\S+/data\.npz: y_train must hold class labels in \[0, 65535\], not \[-1, 9\]",
        cfg(), data_npz(y_train=np.arange(16) % 11 - 1)),
    _mk("train_images_scalar", "internal", TRAIN,
        r"\S+/data\.npz: x_test must hold at least one image \(N, \.\.\.\) of pixels, not shape \[\]",
        cfg(), data_npz(x_test=np.uint8(3))),
    _mk("train_checkpoint_junk", "internal", TRAIN + " --from-checkpoint {d}/c.ckpt",
        r"\S+/c\.ckpt: the checkpoint must be a PyTorch Lightning checkpoint, not an unreadable file \(.+\)",
        cfg(), data_npz(), file("c.ckpt", "junk")),
    _mk("train_checkpoint_without_config", "internal", TRAIN + " --from-checkpoint {d}/c.ckpt",
        r"\S+/c\.ckpt: the checkpoint must be one bnnc train wrote \(hyper_parameters\.config and a state_dict\), "
        r"not \['weights'\]", cfg(), data_npz(), checkpoint("c.ckpt", {"weights": [1, 2]})),

    _mk("train_checkpoint_for_other_images", "internal", TRAIN + " --from-checkpoint {d}/c.ckpt",
        r"\S+/c\.ckpt: the checkpoint's network must take the data's images \(28x28x1, 784 values\), not 100",
        cfg(), data_npz(), bnn_checkpoint("c.ckpt", in_features=100)),
    _mk("train_checkpoint_for_fewer_classes", "internal", TRAIN + " --from-checkpoint {d}/c.ckpt",
        r"\S+/c\.ckpt: the checkpoint's network must score the data's 10 classes, not 3",
        cfg(), data_npz(), bnn_checkpoint("c.ckpt", classes=3)),

    # ------------------------------------------------------------------ message: once named the wrong thing
    _mk("train_checkpoint_needs_pickled_code", "message", TRAIN + " --from-checkpoint {d}/c.ckpt",
        r"\S+/c\.ckpt: the checkpoint must be loadable safely \(tensors and plain values only\), not one that needs "
        r"pickled code \(it refers to print\)", cfg(), data_npz(), checkpoint("c.ckpt", {"state_dict": _Evil()})),
    _mk("train_checkpoint_config_bad", "message", TRAIN + " --from-checkpoint {d}/c.ckpt",
        r"\S+/c\.ckpt: hyper_parameters\.config: field train\.threads must be an integer in \[0, 1024\], not -3",
        cfg(), data_npz(),
        checkpoint("c.ckpt", {"state_dict": {}, "hyper_parameters": {"config": {"train": {"threads": -3}}}})),
    _mk("train_threads_negative_named", "message", TRAIN + " --threads -3",
        r"argument --threads: must be a whole number in \[0, 1024\], not '-3'; see 'bnnc train --help'",
        cfg(), data_npz()),
    _mk("train_seed_negative_named", "message", TRAIN + " --seed -1",
        r"argument --seed: must be a whole number in \[0, 4294967295\], not '-1'; see 'bnnc train --help'",
        cfg(), data_npz()),
    _mk("train_idx_truncated", "message", TRAIN.replace("data.npz", "mnist"),
        r"\S+/mnist/train-images-idx3-ubyte: the idx file must hold 7840 bytes of data as its header declares, "
        r"not 100", cfg(), idx_folder(_idx((10, 28, 28), bytes(100)))),
    _mk("train_idx_gzip_truncated", "message", TRAIN.replace("data.npz", "mnist"),
        r"\S+/mnist/train-images-idx3-ubyte\.gz: the idx file must hold 7840 bytes of data as its header declares, "
        r"not fewer \(the gzip stream is cut short\)", cfg(),
        idx_folder(gzip.compress(_idx((10, 28, 28), RANDOM_7840))[:-100], "train-images-idx3-ubyte.gz")),
    _mk("train_idx_file_missing", "message", TRAIN.replace("data.npz", "mnist"),
        r"\S+/mnist: the data folder must hold the four MNIST idx\(\.gz\) files or exactly one \.npz, not miss "
        r"t10k-labels-idx1-ubyte beside 0 \.npz \(published at https://yann\.lecun\.com/exdb/mnist/ and its mirrors\)",
        cfg(), idx_folder(),
        lambda d: (d / "mnist" / "t10k-labels-idx1-ubyte").unlink()),
    _mk("train_val_size_beyond_one", "message", TRAIN,
        T + r": field train\.val_size must be a fraction in \(0, 1\) or a positive whole number of images, not 1\.5",
        cfg(CFG.replace("val_size: 4", "val_size: 1.5")), data_npz()),
    _mk("train_val_size_all_images", "message", TRAIN,
        r"\S+/data\.npz: field train\.val_size must be fewer than the 16 training images, not 16",
        cfg(CFG.replace("val_size: 4", "val_size: 16")), data_npz()),
    _mk("train_config_unknown_field", "message", TRAIN,
        T + r": field train\.epochs must be one of augment_flip, augment_shift, batch_size, dataset, "
        r"distill_temperature, distill_weight, early_stopping_patience, init_from, latent_clip, lr, lr_final, lr_schedule, max_epochs, seed, "
        r"teacher, threads, val_size, warmup_epochs, weight_decay, not an unknown field", cfg(CFG.replace("max_epochs: 1", "epochs: 1")), data_npz()),
    _mk("train_config_huge_value_short", "message", TRAIN,
        T + r": field model\.hidden must be a list of positive integers, not \[0, 0, 0, 0, 0, 0, \.\.\.\]",
        cfg(CFG.replace("[8]", "[" + ", ".join(["0"] * 100000) + "]")), data_npz()),
    _mk("train_config_duplicate_key", "message", TRAIN,
        T + r": line 3: the YAML must have each key once per mapping, not 'train' twice \(first on line 2\)",
        cfg(CFG.replace("model:", "train:")), data_npz()),
    _mk("train_config_lr_infinite", "message", TRAIN, T + r": field train\.lr must be a finite number, not inf",
        cfg(CFG.replace("threads: 1", "threads: 1, lr: .inf")), data_npz()),
    _mk("train_labels_float", "message", TRAIN, r"\S+/data\.npz: y_test must hold integer class labels, not float64",
        cfg(), data_npz(y_test=np.zeros(4))),
    _mk("train_data_npz_missing_member", "message", TRAIN,
        r"\S+/data\.npz: the data \.npz must hold arrays x_train, y_train, x_test, y_test, not miss y_test",
        cfg(), lambda d: np.savez(d / "data.npz", x_train=np.zeros((4, 784), np.uint8), y_train=np.zeros(4, int),
                                  x_test=np.zeros((4, 784), np.uint8))),
]


def _replace_member(npz: Path, member: str, content: bytes) -> None:
    """Rewrite one member of an .npz archive with ``content`` (a crafted .npy)."""
    import zipfile
    with np.load(npz) as z:
        arrays = {k: z[k] for k in z.files}
    with zipfile.ZipFile(npz, "w") as zf:
        for k, v in arrays.items():
            if k == member:
                zf.writestr(f"{k}.npy", content)
            else:
                np.save(npz.parent / "m.npy", v)
                zf.write(npz.parent / "m.npy", f"{k}.npy")
    (npz.parent / "m.npy").unlink()

