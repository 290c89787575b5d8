"""The Dorothy model: the cohort, the services and the patient journeys (docs/model.md).

Importing the package decides, once, whether its hot modules run compiled or interpreted
(:mod:`dorothy_sim.model._core`): ``COMPILED`` says which, ``CORE`` says so in words with the reason.
"""

from dorothy_sim.model._core import choose as _choose

COMPILED, CORE = _choose()
