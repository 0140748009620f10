"""Tensor calculus: derivatives of any order, of outputs of any shape, by variables of any
shape, read off the multilinear differential dᵏY in index form.

Modules: `ir` (terms, indices, simplification), `translate` (dᵏY → index form), `arrays`
(the index form as the derivative array, in NumPy or SymPy), `notation` (index notation,
einsum).  The differential itself is the engine's: each round of differentiation has its own
direction d(x_r), earlier rounds' held constant.
"""
