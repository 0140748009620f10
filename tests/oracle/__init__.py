"""The autodiff oracle (issue 11): random well-typed problems, their truth by `autograd`.

Owns nothing of matcalc: the oracle has its own expression representation (`tree`), its own
printer to matcalc text (`printer`), its own translator to an autograd-differentiable NumPy
function (`translate`), its own sampling and ties/kinks handling (`truth`), a hypothesis
generator (`generate`), the comparison with matcalc's public API and code exports (`compare`),
the tally of outcomes (`tally`) and a shrinker of wrong answers (`minimize`).  It uses matcalc
only through `matcalc.derive`, `Derivation.lambdify()`, `matcalc.codegen.export` and the
`matcalc.MatcalcError` family.
"""
