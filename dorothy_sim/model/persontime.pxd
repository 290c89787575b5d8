# C types of persontime.py for the compiled kernel (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.engine cimport Environment
cimport cython

cdef class PersonTime:
    cdef public Environment env
    cdef public list state
    cdef public list icp
    cdef public list frailty
    cdef public long levels
    cdef public long states
    cdef public long at_home
    cdef public long groups
    cdef public list since
    cdef public list index
    cdef public double start
    cdef public list days
    cdef public list index_days
    cdef public list left_count
    cdef public list left_time

    @cython.locals(now=double)
    cpdef move(self, Py_ssize_t slot, long new)
    @cython.locals(now=double, key=Py_ssize_t, group=Py_ssize_t)
    cpdef leave(self, Py_ssize_t slot, bint died)
    @cython.locals(spent=double, group=Py_ssize_t, state=Py_ssize_t)
    cdef Py_ssize_t _book(self, Py_ssize_t slot, double now) except -1
    @cython.locals(now=double, slot=Py_ssize_t)
    cpdef reset(self)
    @cython.locals(now=double, slot=Py_ssize_t, width=Py_ssize_t, key=Py_ssize_t, group=Py_ssize_t,
                   died=Py_ssize_t)
    cpdef close(self)
