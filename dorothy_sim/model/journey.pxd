# C types of journey.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.model cimport DorothyModel
from dorothy_sim.model.services cimport IcpServices
from dorothy_sim.model.cohort cimport Cohort
from dorothy_sim.model.tally cimport Tally
cimport cython

@cython.locals(cohort=Cohort, services=IcpServices, tally=Tally)
cpdef start_crisis(DorothyModel model, Py_ssize_t slot, long crisis_type, list u, list d)
@cython.locals(model=DorothyModel, services=IcpServices, slot=Py_ssize_t, crisis_type=long, u=list, d=list)
cpdef _after_rapid_response(tuple crisis, bint treated_at_home)
@cython.locals(hours=double)
cpdef _attend_ed(DorothyModel model, IcpServices services, Py_ssize_t slot, long crisis_type, list u, list d)
@cython.locals(cohort=Cohort, p_admit=double)
cpdef double _p_admit(DorothyModel model, Py_ssize_t slot) except? -1.0
@cython.locals(model=DorothyModel, slot=Py_ssize_t, u=list)
cpdef _home_from_ed(tuple args)
@cython.locals(model=DorothyModel, services=IcpServices, slot=Py_ssize_t, crisis_type=long, u=list, d=list)
cpdef _to_acute_bed(tuple args)
cpdef _back_home(DorothyModel model, Py_ssize_t slot)

cdef Py_ssize_t AT_HOME, D_ED_HOURS, IN_CRISIS, U_ADMIT, U_ED_MDT, U_ROUTE
