#!/usr/bin/env python3
"""Write the seed corpus of fuzz_pool (corpus/pool/seed_*): one small input per
kind of call, in the byte layout that fuzz_pool.c documents. Run from
tests/fuzz/; the files are committed. Inputs that once found a bug are kept
beside them as corpus/pool/regression_* and are not written by this script.
Copyright (C) 2026 the metapool authors. GPL-3.0-or-later."""
import math
import struct

# options bytes: version, measure, method, test, pi, cc_when, double_zero,
# mh_correct, mh_rd_var, q_centre, i2_def, tau2_ci, max_iter
RR, OR, RD, PETO_OR, GENERIC = 0, 1, 2, 3, 4
FE, MH, PETO, DL, HE, HS, SJ, ML, REML, PM, EB = range(11)


def opts(measure=RR, method=REML, test=0, pi=0, cc_when=0, dz=0, mh_correct=0, mh_rd=0,
         q_centre=0, i2=0, tau2_ci=1, max_iter=0):
    vals = [0, measure, method, test, pi, cc_when, dz, mh_correct, mh_rd, q_centre, i2,
            tau2_ci, max_iter]
    return bytes(v & 0xff for v in vals)


def num(x):
    """A number: a small integer as one tag byte, anything else as 8 raw bytes."""
    if isinstance(x, int) and 0 <= x < 128:
        return bytes([48 + x])
    return bytes([176]) + struct.pack('<d', float(x))


def keep():  # a zero tag: keep the option's default
    return b'\x00'


def defaults4():  # level, cc, tau2_fixed, tol at their defaults
    return keep() * 4


BCG = [(4, 123, 11, 139), (6, 306, 29, 303), (3, 231, 11, 220), (62, 13598, 248, 12867),
       (33, 5069, 47, 5808), (180, 1541, 372, 1451), (8, 2545, 10, 629),
       (505, 88391, 499, 88391), (29, 7499, 45, 7277), (17, 1716, 65, 1665),
       (186, 50634, 141, 27338), (5, 2498, 3, 2341), (27, 16913, 29, 17854)]


def log_rr(a, n1, c, n2):
    return math.log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2


def effects(pairs):
    return b''.join(num(y) + num(v) for y, v in pairs)


def tables(rows):
    return b''.join(num(a) + num(n1) + num(c) + num(n2) for a, n1, c, n2 in rows)


seeds = {
    'seed_effects_bcg_reml': b'\x00' + opts(method=REML) + defaults4()
    + effects([log_rr(*t) for t in BCG]),
    'seed_effects_bcg_dl_knha': b'\x00' + opts(method=DL, test=1, pi=1) + defaults4()
    + effects([log_rr(*t) for t in BCG]),
    'seed_effects_k1_pm': b'\x00' + opts(method=PM) + defaults4() + effects([(0.7, 0.09)]),
    'seed_effects_identical_eb_knha': b'\x00' + opts(method=EB, test=1) + defaults4()
    + effects([(0.25, 0.01), (0.25, 0.02), (0.25, 0.04)]),
    'seed_effects_spread_ml': b'\x00' + opts(method=ML) + defaults4()
    + effects([(0.5, 1e-12), (0.1, 1e-2), (0.9, 1), (3.0, 1e4), (-400.0, 1e8), (2e6, 1e12)]),
    'seed_effects_tau2_fixed_sj': b'\x00' + opts(method=SJ) + keep() + keep() + num(0.04)
    + keep() + effects([(0.1, 0.04), (0.4, 0.05), (-0.2, 0.03)]),
    'seed_effects_level90_hs': b'\x00' + opts(method=HS, i2=1) + num(0.9) + keep() * 3
    + effects([(0.1, 0.04), (0.9, 0.05), (-0.6, 0.03), (0.3, 0.02)]),
    'seed_effects_defaults_he': b'\x08' + opts() + defaults4()
    + effects([(0.1, 0.04), (0.9, 0.05), (-0.6, 0.03)]),
    'seed_effects_bad_variance': b'\x00' + opts(method=FE) + defaults4()
    + effects([(0.1, 0.04), (0.2, -1.0)]),
    'seed_effects_nan': b'\x00' + opts(method=DL) + defaults4() + bytes([48 + 1, 32, 48 + 2, 48 + 1]),
    'seed_effects_workspace_too_small': b'\x04' + opts(method=FE) + defaults4()
    + effects([(0.1, 0.04), (0.2, 0.05)]),
    'seed_tables_bcg_mh_or': b'\x01' + opts(measure=OR, method=MH) + defaults4() + tables(BCG),
    'seed_tables_bcg_peto': b'\x01' + opts(measure=OR, method=PETO) + defaults4() + tables(BCG),
    'seed_tables_zero_cells_rr_reml': b'\x01' + opts(measure=RR, method=REML) + defaults4()
    + tables([(0, 20, 5, 20), (3, 25, 0, 24), (0, 15, 0, 16), (10, 30, 14, 31)]),
    'seed_tables_double_zero_rd_mh_gr': b'\x01' + opts(measure=RD, method=MH, mh_rd=1, mh_correct=1)
    + defaults4() + tables([(0, 10, 0, 12), (2, 20, 1, 25), (0, 5, 0, 7)]),
    'seed_tables_revman_dl': b'\x01' + opts(measure=RR, method=DL, q_centre=1, mh_correct=1, dz=1, i2=1)
    + defaults4() + tables(BCG[:6]),
    'seed_tables_peto_or_measure_pm': b'\x01' + opts(measure=PETO_OR, method=PM) + defaults4()
    + tables(BCG[:5]),
    'seed_tables_cc_all_keep_or': b'\x01' + opts(measure=OR, method=FE, cc_when=1, dz=2) + keep()
    + num(0.25) + keep() * 2 + tables([(0, 10, 0, 12), (4, 20, 1, 25)]),
    'seed_tables_billions_or_dl': b'\x01' + opts(measure=OR, method=DL) + defaults4()
    + tables([(1234567890, 3000000000, 987654321, 2900000000), (4.5e9, 9.1e9, 4.4e9, 9.0e9)]),
    'seed_tables_events_above_total': b'\x01' + opts(method=FE) + defaults4() + tables([(12, 10, 3, 10)]),
    'seed_ci_ratio': b'\x02' + opts() + defaults4() + num(0.65) + num(0.5) + num(0.86) + num(0.95) + b'\x01',
    'seed_ci_difference_level90': b'\x02' + opts() + defaults4() + num(-0.1) + num(-0.3) + num(0.1)
    + num(0.9) + b'\x00',
    'seed_ci_outside': b'\x02' + opts() + defaults4() + num(2.0) + num(0.5) + num(0.86) + num(0.95) + b'\x01',
    'seed_effect_2x2_peto': b'\x03' + opts(measure=PETO_OR) + defaults4() + num(9) + num(40) + num(4) + num(41),
    'seed_effect_2x2_double_zero_rr': b'\x03' + opts(measure=RR) + defaults4() + num(0) + num(30) + num(0) + num(28),
    'seed_invalid_enums': b'\x00' + bytes([0, 127, 0x80, 5, 9, 3, 3, 0, 2, 2, 2, 1, 0]) + defaults4()
    + effects([(0.1, 0.04), (0.2, 0.05)]),
    'seed_invalid_version': b'\x00' + bytes([251]) + opts()[1:] + defaults4() + effects([(0.1, 0.04)]),
    'seed_invalid_level': b'\x00' + opts() + num(1.5) + keep() * 3 + effects([(0.1, 0.04), (0.2, 0.05)]),
}

for name, data in seeds.items():
    with open('corpus/pool/' + name, 'wb') as f:
        f.write(data)
print(len(seeds), 'seeds written')
