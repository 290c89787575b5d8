# C types of engine.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

cimport cython

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

    @cython.locals(env=Environment, when=double, token=long, eid="long long")
    cpdef _run(self, object value, object error)

cdef class Deadline:
    cdef public object event
    cdef public double limit

cdef class _Source:
    cdef public object _chunks
    cdef public object _handle
    cdef public object _chunk
    cdef public object _times
    cdef public long _row

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
    cdef object __weakref__

    @cython.locals(eid="long long")
    cpdef call_at(self, double time, object fn, object arg=*, long priority=*)
    @cython.locals(time=double, eid="long long")
    cpdef call_later(self, double delay, object fn, object arg=*, long priority=*)
    @cython.locals(time=double, day="long long", bucket=list)
    cpdef _defer(self, tuple entry)
    @cython.locals(day="long long", queue=list)
    cpdef bint _refill(self) except -1
    @cython.locals(order=long, source=_Source, when=double)
    cpdef _fire_source(self, list sources)
    @cython.locals(queue=list, sources=list, at=double, head=double)
    cpdef run(self, until=*)
