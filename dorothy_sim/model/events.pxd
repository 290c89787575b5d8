# C types of events.py for the compiled kernel (setup.py; docs/architecture.md). Interpreted, unused.

cimport cython

cdef class _StandIn:
    cdef public object env
    cdef public object _event

@cython.freelist(64)
cdef class Timeout(_StandIn):
    cdef public double at
    cdef public object value

cdef class Deadline(_StandIn):
    cdef public object event
    cdef public double limit
    cdef public object _timeout
