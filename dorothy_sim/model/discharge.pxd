# C types of discharge.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.model cimport DorothyModel
from dorothy_sim.model.services cimport IcpServices
cimport cython

cpdef double time_left(object env, double deadline) except? -1.0
cpdef double assessment_days(long route, list d) except? -1.0
@cython.locals(draw=double, pathway=long, number=long, route=long)
cpdef long choose_route(DorothyModel model, IcpServices services, Py_ssize_t slot, list u, bint had_liaison) except? -1
cpdef long confirm_route(DorothyModel model, IcpServices services, Py_ssize_t slot, long route) except? -1

cdef Py_ssize_t D_ARRANGEMENT, D_ASSESSMENT_COMPLEX, D_ASSESSMENT_SIMPLE, U_LIAISON_CH, U_P1_SPLIT, U_PATHWAY
