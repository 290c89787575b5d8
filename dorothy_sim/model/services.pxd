# C types of services.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

from dorothy_sim.model.stations cimport Station, TimeWeighted

cdef class IcpServices:
    cdef public str name
    cdef public long index, core_beds, escalation_beds, awaiting_bed, coordinators, mh_staff, falls_places
    cdef public Station rr, beds, discharge, reablement, home_care, community_beds, mh_liaison
    cdef public double rr_window, shift_start, shift_end, background_per_day, ward_led_delay_factor
    cdef public double package_start_delay
    cdef public object rr_visit, rr_p_treated_at_home, care_homes, mdt, background_los
    cdef public object assessment_complex, reablement_days, package_days, community_stay
    cdef public object pathway_edges, offered_route, p_death_in_hospital
    cdef public bint escalation_open
    cdef public TimeWeighted cohort_in_beds, mffd_in_beds
    cdef dict __dict__
