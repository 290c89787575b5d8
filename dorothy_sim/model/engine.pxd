# C types of engine.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

cimport cython
from dorothy_sim.model.events cimport Deadline, Timeout
from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF
from libc.stdlib cimport free, realloc

cdef extern from "Python.h":
    int PyIter_Send(object iterator, object arg, PyObject** presult) except -1


cdef inline object _send(object gen, object value, bint* returned):
    """``gen.send(value)``: what the generator yielded, or (``returned[0]`` true) what it returned."""
    cdef PyObject* result = NULL
    returned[0] = PyIter_Send(gen, value, &result) == 0
    target = <object>result
    Py_XDECREF(result)
    return target

cdef struct _Entry:  # a key of the compiled heap (Environment._push); its call is in _calls
    double time
    long priority
    long long eid
    Py_ssize_t slot

cdef inline bint _before(_Entry a, _Entry b)

cdef class _Source

@cython.locals(item=_Source, size=Py_ssize_t, i=Py_ssize_t, child=Py_ssize_t)
cdef _sift_sources(list sources)
cdef inline bint _source_before(_Source a, _Source b)

cdef class Environment

cdef class Lean:
    cdef public Environment env
    cdef public object _gen
    cdef public long _token
    cdef public object _target
    cdef public bint _racing
    cdef public bint is_alive
    cdef public object _done
    cdef public object value

    @cython.locals(env=Environment, when=double, timeout=Timeout, returned=bint)
    cpdef _run(self, object value, object error)
    cdef _wake(self, long token)
    @cython.locals(token=long)
    cdef _sleep_until(self, double when)

cdef class _Source:
    cdef public object _chunks
    cdef public object _handle
    cdef public object _chunk
    cdef public object _times
    cdef public long _row
    cdef public double _when
    cdef public long _order

    cpdef double advance(self) except? -1.0

cdef class Environment:
    cdef public double _now
    cdef public list _queue
    cdef public long long _eids
    cdef public object _active_proc
    cdef public list _sources
    cdef public double _near_until
    cdef public dict _later
    cdef public list _later_days
    cdef _Entry* _heap
    cdef Py_ssize_t _size
    cdef Py_ssize_t _capacity
    cdef Py_ssize_t* _free_slots
    cdef list _calls
    cdef object __weakref__

    @cython.locals(size=Py_ssize_t, slot=Py_ssize_t, entry=_Entry, heap="_Entry*", i=Py_ssize_t,
                   parent=Py_ssize_t)
    cdef _push(self, double time, long priority, long long eid, object fn, object arg)
    @cython.locals(old=Py_ssize_t, capacity=Py_ssize_t, heap="_Entry*", free_slots="Py_ssize_t*",
                   k=Py_ssize_t)
    cdef _grow(self)
    cdef Py_ssize_t _pending(self)
    @cython.locals(queue=list)
    cdef double _head(self) except? -1.0
    @cython.locals(heap="_Entry*", slot=Py_ssize_t, calls=list, size=Py_ssize_t, last=_Entry,
                   i=Py_ssize_t, child=Py_ssize_t)
    cdef _fire_next(self)

    @cython.locals(eid="long long")
    cpdef call_at(self, double time, object fn, object arg=*, long priority=*)
    cpdef call_later(self, double delay, object fn, object arg=*, long priority=*)
    @cython.locals(time=double, day="long long", bucket=list)
    cpdef _defer(self, tuple entry)
    @cython.locals(day="long long", queue=list, entry=tuple)
    cpdef bint _refill(self) except -1
    @cython.locals(order=long, source=_Source, when=double, last=_Source)
    cpdef _fire_source(self, list sources)
    @cython.locals(sources=list)
    cdef double _source_head(self) except? -1.0
    @cython.locals(sources=list, at=double, head=double, next_source=double)
    cpdef run(self, until=*)
