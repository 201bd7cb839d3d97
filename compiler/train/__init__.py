"""Training of binarized MLPs and CNNs for bnnc (PyTorch + Lightning).

Submodules:

- :mod:`compiler.train.layers`: binary layers with straight-through estimators.
- :mod:`compiler.train.data`: MNIST idx(.gz) / npz and CIFAR-10 python-batch reading, a LightningDataModule.
- :mod:`compiler.train.config`: the training configuration and its validation.
- :mod:`compiler.train.module`: the LightningModule (binarized net or float twin).
- :mod:`compiler.train.export`: writing ``net.yaml`` + ``weights.npz``.
- :mod:`compiler.train.cli`: ``bnnc train CONFIG.yaml`` (also ``python -m compiler.train``).

This package needs the optional ``train`` extra (torch, pytorch-lightning, tensorboard).
"""
