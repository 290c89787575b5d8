# C types of thinning.py for the compiled kernel (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.engine cimport Environment
cimport cython

cdef class Thinning:
    cdef public Environment env
    cdef public list state
    cdef public long at_home
    cdef public list rate_share
    cdef public list icp
    cdef public list tallies
    cdef public list modifiers
    cdef public object start

    @cython.locals(slots=list, slot=Py_ssize_t, u_accept=double, accept=double, kind=long, now=double,
                   modifier=tuple, only=long)
    cpdef handle(self, tuple chunk, Py_ssize_t row)
