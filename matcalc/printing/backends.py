"""How each code backend (NumPy, PyTorch, JAX) spells an operation: the operator's record
first (`matcalc.ops`: `code[backend]`), else the backend's basics (solve, outer, eye, …),
and the helper functions a module must define.

Owns: `BACKENDS`, `IMPORTS`, `Spellings`, `helper_source`.
"""
from __future__ import annotations

from ..errors import PrintError
from ..ops import REGISTRY

# what every backend spells for itself (operators' spellings are in their records)
_NP = {"solve": "np.linalg.solve", "outer": "np.outer", "diagonal": "np.diagonal",
       "diag": "np.diag", "eye": "np.eye", "ones": "np.ones", "zeros": "np.zeros",
       "sum": "np.sum", "log1p": "np.log1p", "einsum": "np.einsum", "concat": "np.concatenate([{0}], axis={1})", "reshape": "np.reshape",
       "asarray": "np.asarray({0}, dtype=float)", "const": "{0}"}
_TORCH = {k: "torch." + v[3:] for k, v in _NP.items() if v.startswith("np.")}
_TORCH.update({"eye": "torch.eye({0}, dtype=torch.float64)",
               "ones": "torch.ones({0}, dtype=torch.float64)",
               "zeros": "torch.zeros({0}, dtype=torch.float64)",
               "concat": "torch.cat([{0}], dim={1})",
               "asarray": "_tensor({0})",
               "const": "torch.tensor({0}, dtype=torch.float64)",
               # 𝟏ᵀ M and M 𝟏 as reductions (no ones vector, no product); NumPy keeps the
               # product: its BLAS matrix-vector product is faster than np.sum
               "colsums": "torch.sum({0}, 0)", "rowsums": "torch.sum({0}, 1)",
               "addmm": "torch.addmm"})             # X @ W + b: the bias in the product
_JAX = {k: "jnp." + v[3:] for k, v in _NP.items() if v.startswith("np.")}
_JAX.update({"asarray": "_asarray({0})", "const": "{0}",
             "colsums": "jnp.sum({0}, axis=0)", "rowsums": "jnp.sum({0}, axis=1)"})
_BASICS = {"numpy": _NP, "pytorch": _TORCH, "jax": _JAX}
IMPORTS = {"numpy": "import numpy as np", "pytorch": "import math\nimport torch",
           "jax": "import jax\nimport jax.numpy as jnp\nimport jax.scipy.special"}


# helpers of the basics (the operators' helpers are in their records)
_BASIC_HELPERS = {"jax": {"_asarray": (
    "def _asarray(x):\n"
    "    # an array (or a tracer under jax.jit) as it is: jnp.asarray costs ~70 µs eagerly\n"
    "    return x if isinstance(x, jax.Array) else jnp.asarray(x)")},
    "pytorch": {"_tensor": (
    "def _tensor(x):\n"
    "    # a float64 tensor as it is: torch.as_tensor costs ~1 µs a call\n"
    "    if type(x) is torch.Tensor and x.dtype is torch.float64:\n"
    "        return x\n"
    "    return torch.as_tensor(x, dtype=torch.float64)")}}


class Spellings:
    """How one backend writes an operation: the operator's record, else the basics."""

    def __init__(self, backend: str):
        self.backend = backend

    def __getitem__(self, key: str) -> str:
        rec = REGISTRY.get(key)
        if rec is not None and self.backend in rec.code:
            return rec.code[self.backend]
        if key in _BASICS[self.backend]:
            return _BASICS[self.backend][key]
        raise PrintError(f"no {self.backend} spelling for '{key}'")

    def __contains__(self, key: str) -> bool:
        rec = REGISTRY.get(key)
        return (rec is not None and self.backend in rec.code) or key in _BASICS[self.backend]


BACKENDS = {name: Spellings(name) for name in _BASICS}


def helper_source(backend: str, names) -> list[str]:
    """The source of the helper functions a module uses, each once, from the records."""
    sources: dict = dict(_BASIC_HELPERS.get(backend, {}))
    for rec in REGISTRY.values():
        for name, src in rec.code.get("helpers", {}).get(backend, {}).items():
            sources.setdefault(name, src)
    needed, todo = set(names), list(names)
    while todo:                        # a helper may call another (_gelu uses _erf), and so on
        name = todo.pop()
        for n in sources:
            if n not in needed and f"{n}(" in sources.get(name, ""):
                needed.add(n)
                todo.append(n)
    return [sources[n] for n in sorted(needed) if n in sources]
