"""bnnc runtime, the top floor below the interface: what runs compiled output (simulation engines, synthesis).

It imports the compiler (the reference, bit packing, stream descriptions); the
compiler never imports it (docs/architecture.md).
"""
