# C types of draws.py for the compiled kernel (setup.py; docs/architecture.md). Interpreted, unused.

cimport cython

cdef class NamedRow

cdef class DrawColumns:
    cdef public object values
    cdef double[:, ::1] _view
    cdef public dict index

    cpdef NamedRow row(self, Py_ssize_t row)

cdef class NamedRow:
    cdef public DrawColumns columns
    cdef public Py_ssize_t row
