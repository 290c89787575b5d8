# C types of tally.py for the compiled core (setup.py; docs/architecture.md). Interpreted, unused.

cdef class Tally:
    cdef public long crises, crises_averted, rr_referrals, rr_seen_in_window, rr_treated_at_home
    cdef public long ed_attendances, admissions, bed_waits
    cdef public double bed_wait_days
    cdef public long stays
    cdef public double stay_days
    cdef public long stays_over_21d
    cdef public list los_histogram
    cdef public long discharge_delays
    cdef public double discharge_delay_days
    cdef public list pathway
    cdef public long deaths_in_hospital, reablement_starts, reablement_waits
    cdef public double reablement_wait_days
    cdef public long reablement_ends, reablement_independent, checks_91d, at_home_91d
    cdef public long home_care_starts, home_care_waits
    cdef public double home_care_wait_days
    cdef public long community_bed_admissions
    cdef public double community_bed_wait_days
    cdef public long care_home_waits
    cdef public double care_home_wait_days
    cdef public long mdt_referrals, mdt_reviews, mdt_lapsed
    cdef public double mdt_wait_days
    cdef public long mdt_slots_offered, falls_enrolled, mh_liaison_cases, ltc_admissions, deaths
    cdef public list admissions_by_frailty

    cpdef record_stay(self, double days)
