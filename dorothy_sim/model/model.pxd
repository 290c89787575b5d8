# C types of model.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

cimport cython

from dorothy_sim.model.cohort cimport Cohort
from dorothy_sim.model.engine cimport Environment
from dorothy_sim.model.tally cimport Tally

cdef class DorothyModel:
    cdef public object scenario, profile
    cdef public Environment env
    cdef public object seed  # (any whole number >= 0: not a C integer)
    cdef public long in_crisis, entered, left_dead, left_ltc
    cdef public double warmup, horizon
    cdef public list icps, services, simulated, tallies, occupancy_samples, care_plan_samples
    cdef public list escalation_hours, queue_samples, p_admit, post_discharge_hazard
    cdef public Cohort cohort
    cdef public double falls_ratio, package_factor, plan_factor, rr_routing_share
    cdef public double plan_admit_factor, post_discharge_days
    cdef dict __dict__

    @cython.locals(tally=Tally)
    cpdef leave(self, Py_ssize_t slot, bint died)
    @cython.locals(extra=double, delay=double)
    cpdef schedule_post_discharge_death(self, Py_ssize_t slot, double u)
    @cython.locals(slot=Py_ssize_t, generation=long)
    cpdef _post_discharge_death(self, tuple person)

cdef Py_ssize_t AT_HOME

cdef long FALL
