# C types of acute.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.model cimport DorothyModel
from dorothy_sim.model.services cimport IcpServices
from dorothy_sim.model.tally cimport Tally
cimport cython

@cython.locals(tally=Tally)
cpdef _leave_bed(DorothyModel model, IcpServices services, object bed, double admitted, object medically_fit)

cdef Py_ssize_t U_DEATH, U_DISCHARGE_MDT, U_POST_DISCHARGE_DEATH, U_PROACTIVE, D_TREATMENT
cdef long AGE_65_69, AT_HOME, IN_ACUTE, IN_COMMUNITY_BED, DELIRIUM
