"""bnnc runtime: bit packing, the numpy reference executor, stream beat sequences, simulation drivers."""
