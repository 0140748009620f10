"""Records of the element-wise operators: arithmetic with scalar expansion, and functions.

Each function record carries its NumPy and SymPy meaning on one scalar/array and its
spellings; its derivative is a rule in rules/00-scalar.toml (`fn.<name>`).
"""
from __future__ import annotations

import math

from . import Op, register

_NP_STABLE_SIGMOID = "def _sigmoid(z):\n    return 0.5 * (1.0 + np.tanh(0.5 * z))  " \
                     "# = 1/(1+e^-z), stable, one transcendental"
_NP_ERF = ("def _erf(z):\n    try:\n        from scipy.special import erf\n"
           "    except ImportError:  # SciPy is optional: the standard library's erf\n"
           "        import math\n        return np.vectorize(math.erf, otypes=[float])(z)\n"
           "    return erf(z)")
_NP_GELU = ("def _gelu(z):\n    return 0.5 * z * (1.0 + _erf(z / np.sqrt(2.0)))  "
            "# x Φ(x), exact (not the tanh approximation)")


def _erf_np(np, z):
    return np.vectorize(math.erf, otypes=[float])(z)


def _fn(name, *, names=None, np=None, sp=None, latex=None, mathml=None, numpy=None,
        pytorch=None, jax=None, helpers=None, domain="", real="", kink="", doc=""):
    names = names or (name,)
    return Op(name, "ewise", 1, names=names, shape="same", domain=domain, real=real, kink=kink,
              numpy=np, sympy=sp, latex=latex, mathml=mathml,
              code={"numpy": numpy or f"np.{name}", "pytorch": pytorch or f"torch.{name}",
                    "jax": jax or f"jnp.{name}", "helpers": helpers or {}}, doc=doc)


_DIV0 = ("def _div0(a, b):\n"
         "    # a / b, and 0 where both are 0: a removable 0/0 (the numerator's step(·) factor\n"
         "    # is 0 on a region where the divisor vanishes), whose limit is 0\n"
         "    z = (a == 0) & (b == 0)\n"
         "    return {lib}.where(z, 0.0, a / {lib}.where(z, 1.0, b))")


register(
    # arithmetic: element-wise with a 1×1 operand expanded (the paper's scalar expansion)
    Op("add", "binary", 2, shape="broadcast", commutative=True,
       numpy=lambda np, a, b: a + b, sympy=lambda sp, x, y: x + y, doc="a + b"),
    Op("sub", "binary", 2, shape="broadcast",
       numpy=lambda np, a, b: a - b, sympy=lambda sp, x, y: x - y, doc="a - b"),
    Op("mul", "binary", 2, shape="broadcast", commutative=True,
       numpy=lambda np, a, b: a * b, sympy=lambda sp, x, y: x * y,
       doc="a * b, a ⊙ b (element-wise product; ⊗ as the paper writes it)"),
    Op("div", "binary", 2, shape="broadcast", kink="divisor",
       numpy=lambda np, a, b: a / b, sympy=lambda sp, x, y: x / y, doc="a / b, a ⊘ b",
       # a removable 0/0 (a numerator with a step(·) factor, 0 on a region where the divisor
       # vanishes too: norm(relu(x)) by x where x < 0) is its limit, 0 (printing/code.py)
       code={"helpers": {b: {"_div0": _DIV0.format(lib=lib)} for b, lib in
                         (("numpy", "np"), ("pytorch", "torch"), ("jax", "jnp"))}}),
    Op("pow", "binary", 2, shape="broadcast",
       numpy=lambda np, a, b: np.power(a, b), sympy=lambda sp, x, y: x ** y,
       doc="a ^ b (element-wise)"),
    Op("max", "binary", 2, names=("max",), shape="broadcast", commutative=True, kink="diff",
       numpy=lambda np, a, b: np.maximum(a, b), sympy=lambda sp, x, y: sp.Max(x, y),
       latex=r"\max", code={"numpy": "np.maximum", "pytorch": "torch.maximum",
                            "jax": "jnp.maximum"},
       doc="max(a, b), element-wise; max(0, z) is ReLU"),
    Op("min", "binary", 2, names=("min",), shape="broadcast", commutative=True, kink="diff",
       numpy=lambda np, a, b: np.minimum(a, b), sympy=lambda sp, x, y: sp.Min(x, y),
       latex=r"\min", code={"numpy": "np.minimum", "pytorch": "torch.minimum",
                            "jax": "jnp.minimum"}, doc="min(a, b), element-wise"),
    # element-wise functions
    _fn("exp", np=lambda np, z: np.exp(z), sp=lambda sp, z: sp.exp(z), latex=r"\exp",
        doc="exponential, element-wise"),
    _fn("log", names=("log", "ln"), np=lambda np, z: np.log(z), sp=lambda sp, z: sp.log(z),
        latex=r"\log", domain="positive", real="positive", kink="arg",
        doc="natural logarithm (ln)"),
    _fn("sin", np=lambda np, z: np.sin(z), sp=lambda sp, z: sp.sin(z), latex=r"\sin",
        doc="sine"),
    _fn("cos", np=lambda np, z: np.cos(z), sp=lambda sp, z: sp.cos(z), latex=r"\cos",
        doc="cosine"),
    _fn("tan", np=lambda np, z: np.tan(z), sp=lambda sp, z: sp.tan(z), latex=r"\tan",
        doc="tangent"),
    _fn("tanh", np=lambda np, z: np.tanh(z), sp=lambda sp, z: sp.tanh(z), latex=r"\tanh",
        doc="hyperbolic tangent"),
    _fn("sigmoid", names=("sigmoid", "σ"),
        np=lambda np, z: np.exp(-np.logaddexp(0.0, -z)),        # stable for large |z|
        sp=lambda sp, z: 1 / (1 + sp.exp(-z)), latex=r"\sigma", mathml="σ",
        numpy="_sigmoid", jax="jax.nn.sigmoid", helpers={"numpy": {"_sigmoid":
                                                                   _NP_STABLE_SIGMOID}},
        doc="logistic function 1 / (1 + exp(-z))"),
    _fn("softplus", np=lambda np, z: np.logaddexp(0.0, z),
        sp=lambda sp, z: sp.log(1 + sp.exp(z)), numpy="np.logaddexp(0.0, {0})",
        pytorch="torch.nn.functional.softplus", jax="jax.nn.softplus",
        doc="log(1 + exp(z))"),
    _fn("sqrt", np=lambda np, z: np.sqrt(z), sp=lambda sp, z: sp.sqrt(z),
        domain="positive", real="nonnegative", kink="arg", doc="square root"),
    _fn("abs", np=lambda np, z: np.abs(z), sp=lambda sp, z: sp.Abs(z), kink="arg",
        doc="absolute value"),
    # step as a comparison cast to the operand's dtype, in one helper per backend:
    # (z > 0) is 0 at z = 0 (step(0) = 0, the paper's), and ~9× faster than np.heaviside
    _fn("step", np=lambda np, z: (z > 0).astype(float),       # step(0) = 0 (the paper's)
        sp=lambda sp, z: sp.Heaviside(z, 0), numpy="_step", pytorch="_step", jax="_step",
        helpers={b: {"_step": f"def _step(z):\n{conv}    return (z > 0).{cast}(z.dtype)  "
                              "# step(0) = 0"}
                 for b, conv, cast in (("numpy", "    z = np.asarray(z)\n", "astype"),
                                       ("pytorch", "", "to"),
                                       ("jax", "    z = _asarray(z)\n", "astype"))},
        kink="arg", doc="Heaviside step, step(0) = 0"),
    _fn("sign", np=lambda np, z: np.sign(z), sp=lambda sp, z: sp.sign(z), kink="arg",
        doc="sign, sign(0) = 0"),
    _fn("erf", np=_erf_np, sp=lambda sp, z: sp.erf(z), numpy="_erf",
        jax="jax.scipy.special.erf", helpers={"numpy": {"_erf": _NP_ERF}},
        doc="the error function"),
    _fn("gelu", np=lambda np, z: 0.5 * z * (1.0 + _erf_np(np, z / math.sqrt(2.0))),
        sp=lambda sp, z: z * (1 + sp.erf(z / sp.sqrt(2))) / 2, numpy="_gelu",
        pytorch="torch.nn.functional.gelu", jax="jax.nn.gelu({0}, approximate=False)",
        helpers={"numpy": {"_erf": _NP_ERF, "_gelu": _NP_GELU}},
        doc="GELU, x Φ(x) with Φ(x) = (1 + erf(x/√2))/2 (exact)"),
)
