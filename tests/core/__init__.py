"""Tests of the core: tensor, autograd, backend, ops, creation, dtypes, gradcheck."""
