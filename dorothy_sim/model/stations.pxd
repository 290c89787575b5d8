# C types of stations.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.engine cimport Environment
from dorothy_sim.model.events cimport Deadline, Timeout

cdef class TimeWeighted:
    cdef public Environment env
    cdef public double level
    cdef public double area
    cdef public double _last

cdef class Station

cdef class Request:
    cdef public object env
    cdef public Station station
    cdef public bint released
    cdef public object callbacks
    cdef public object _value
    cdef public bint _ok
    cdef public double asked
    cdef public long priority

cdef class Station:
    cdef public Environment _env
    cdef public object name
    cdef public long nominal_capacity
    cdef public bint available
    cdef public long capacity
    cdef public long count
    cdef public object _queues
    cdef public long _waiting
    cdef public double _last
    cdef public double busy_area
    cdef public double queue_area
    cdef public long arrivals
    cdef public long grants
    cdef public double wait_total
    cdef public long reneged
    cdef public long departures
    cdef public double sojourn_total
    cdef public long turned_away

    cpdef request(self, long priority=*)
    cpdef release(self, Request request)
