# C types of cohort.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

cdef class Cohort:
    cdef public list icp_names, groups, icp_sizes, icp_ranges, icp, frailty, age_band, lives_alone, dementia
    cdef public list rate_share, state, generation, plan_until, falls_until, package_until, mdt_queued
    cdef public object _dementia, _newcomer_draws
    cdef public dict holdings
    cdef public long size, newcomers
    cdef public double _ratio_80, _ratio_alone, _ratio_dementia, max_attribute_ratio
    cdef public double _share_80, _share_65_69, _share_alone

    cpdef replace(self, Py_ssize_t slot)
