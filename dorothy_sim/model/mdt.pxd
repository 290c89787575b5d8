# C types of mdt.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.model cimport DorothyModel
from dorothy_sim.model.services cimport IcpServices
from dorothy_sim.model.cohort cimport Cohort
cimport cython

@cython.locals(cohort=Cohort, services=IcpServices, now=double)
cpdef refer(DorothyModel model, Py_ssize_t slot)
