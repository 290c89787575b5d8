# C types of downstream.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.model cimport DorothyModel
from dorothy_sim.model.services cimport IcpServices
from dorothy_sim.model.cohort cimport Cohort
from dorothy_sim.model.tally cimport Tally
from dorothy_sim.model.stations cimport Station
cimport cython

cpdef _hold(DorothyModel model, Py_ssize_t slot, str kind, object process)
cpdef _release_hold(DorothyModel model, Py_ssize_t slot, long generation, str kind, object process)
@cython.locals(generation=long, days=double)
cpdef start_reablement(DorothyModel model, IcpServices services, Py_ssize_t slot, object place, list d, list u, bint from_hospital)
@cython.locals(station=Station)
cpdef step_up_reablement(DorothyModel model, IcpServices services, Py_ssize_t slot, list u, list d)
cpdef end_reablement_on_admission(DorothyModel model, Py_ssize_t slot)
@cython.locals(model=DorothyModel, services=IcpServices, slot=Py_ssize_t, generation=long, tally=Tally, cohort=Cohort)
cpdef _at_home_check(tuple args)
@cython.locals(days=double, generation=long)
cpdef start_package(DorothyModel model, IcpServices services, Py_ssize_t slot, object place, list d)

cdef Py_ssize_t AT_HOME, D_COMMUNITY_STAY, D_PACKAGE, D_REABLEMENT, U_COMMUNITY_OUTCOME, U_INDEPENDENT
