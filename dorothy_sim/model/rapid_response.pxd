# C types of rapid_response.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.model cimport DorothyModel
from dorothy_sim.model.services cimport IcpServices
from dorothy_sim.model.stations cimport Station
cimport cython

@cython.locals(model=DorothyModel, services=IcpServices, station=Station)
cpdef refer(tuple crisis, object then)
@cython.locals(model=DorothyModel, services=IcpServices, d=list)
cpdef _visit(tuple crisis, object request, object then)
@cython.locals(model=DorothyModel, services=IcpServices, crisis_type=long, u=list, treated=bint)
cpdef _visited(tuple args)
cpdef after_home_treatment(DorothyModel model, IcpServices services, Py_ssize_t slot, list u, list d)

cdef Py_ssize_t D_RR_VISIT_HOURS, U_EXPERT, U_RR_HOME, U_RR_MDT, U_RR_STEP_UP
