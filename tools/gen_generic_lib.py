#!/usr/bin/env python3
"""Writes reward/lib/rtlr_generic.lib: rtlreward's own generic teaching library.

The numbers are invented, not measured on any process: plausible magnitudes for a generic
~130 nm-class library (areas in um^2, delays in ns, loads in pF, leakage in nW, internal
energy in pJ), chosen so that the usual orderings hold (INV < NAND2 < NOR2 < AND2 in delay,
XOR and MUX larger and slower, flops the largest). Each table is a 3x3 NLDM table built from
a linear model: delay = d0 + ks * slew + R * load; transition = t0 + 1.6 * R * load + 0.1 *
slew; internal energy = e0 * (1 + slew) + 0.05 * load. Run: tools/gen_generic_lib.py > FILE.
"""
import sys

SLEW = [0.01, 0.1, 0.5]
LOAD = [0.001, 0.01, 0.05]

# name, area, inputs, function, sense, d0, R (ns/pF), input cap (pF), leakage (nW), energy (pJ)
COMB = [
    ("INV_X1",   3.75, "A",   "!A",                "negative_unate", 0.020, 4.0, 0.0020, 0.40, 0.0015),
    ("BUF_X1",   5.00, "A",   "A",                 "positive_unate", 0.050, 3.5, 0.0018, 0.60, 0.0025),
    ("NAND2_X1", 5.00, "AB",  "!(A&B)",            "negative_unate", 0.030, 5.0, 0.0022, 0.70, 0.0020),
    ("NOR2_X1",  5.00, "AB",  "!(A|B)",            "negative_unate", 0.040, 6.5, 0.0023, 0.65, 0.0022),
    ("AND2_X1",  6.25, "AB",  "A&B",               "positive_unate", 0.060, 4.0, 0.0019, 0.90, 0.0030),
    ("OR2_X1",   6.25, "AB",  "A|B",               "positive_unate", 0.070, 4.5, 0.0019, 0.90, 0.0032),
    ("XOR2_X1",  8.75, "AB",  "A^B",               "non_unate",      0.080, 6.0, 0.0035, 1.30, 0.0045),
    ("XNOR2_X1", 8.75, "AB",  "!(A^B)",            "non_unate",      0.080, 6.0, 0.0035, 1.30, 0.0045),
    ("NAND3_X1", 6.25, "ABC", "!(A&B&C)",          "negative_unate", 0.045, 6.0, 0.0024, 0.85, 0.0026),
    ("NOR3_X1",  6.25, "ABC", "!(A|B|C)",          "negative_unate", 0.060, 8.5, 0.0025, 0.80, 0.0028),
    ("AND3_X1",  7.50, "ABC", "A&B&C",             "positive_unate", 0.075, 4.2, 0.0020, 1.05, 0.0036),
    ("OR3_X1",   7.50, "ABC", "A|B|C",             "positive_unate", 0.090, 4.8, 0.0020, 1.05, 0.0038),
    ("AOI21_X1", 6.25, "ABC", "!((A&B)|C)",        "negative_unate", 0.045, 6.5, 0.0024, 0.80, 0.0025),
    ("OAI21_X1", 6.25, "ABC", "!((A|B)&C)",        "negative_unate", 0.045, 6.5, 0.0024, 0.80, 0.0025),
    ("MUX2_X1", 11.25, "ABS", "(A&!S)|(B&S)",      "non_unate",      0.090, 4.5, 0.0025, 1.50, 0.0050),
]
# name, area, extra pin (async, active low) and its ff attribute, clk->Q d0, leakage, energy
SEQ = [
    ("DFF_X1",  20.0, None, None,    0.150, 3.0, 0.0080),
    ("DFFR_X1", 25.0, "RN", "clear",  0.160, 3.6, 0.0090),
    ("DFFS_X1", 25.0, "SN", "preset", 0.160, 3.6, 0.0090),
]


def table(kind, f):
    rows = ", \\\n".join('"%s"' % ", ".join("%.4f" % f(s, c) for c in LOAD) for s in SLEW)
    return "%s (delay_3x3) {\n values ( \\\n%s );\n}" % (kind, rows)


def ptable(kind, f):
    rows = ", \\\n".join('"%s"' % ", ".join("%.5f" % f(s, c) for c in LOAD) for s in SLEW)
    return "%s (energy_3x3) {\n values ( \\\n%s );\n}" % (kind, rows)


def arc(related, sense, d0, r, ttype=None, fall=True):
    out = ["timing () {", 'related_pin : "%s";' % related, "timing_sense : %s;" % sense]
    if ttype:
        out.append("timing_type : %s;" % ttype)
    out.append(table("cell_rise", lambda s, c: d0 + 0.15 * s + r * c))
    out.append(table("rise_transition", lambda s, c: 0.012 + 1.6 * r * c + 0.1 * s))
    if fall:
        out.append(table("cell_fall", lambda s, c: 0.9 * d0 + 0.12 * s + 0.85 * r * c))
        out.append(table("fall_transition", lambda s, c: 0.010 + 1.4 * r * c + 0.1 * s))
    out.append("}")
    return "\n".join(out)


def ipower(related, e0):
    return "\n".join(["internal_power () {", 'related_pin : "%s";' % related,
                      ptable("rise_power", lambda s, c: e0 * (1 + s) + 0.05 * c),
                      ptable("fall_power", lambda s, c: 0.8 * e0 * (1 + s) + 0.04 * c), "}"])


def indent(text):
    out, depth = [], 0
    for line in text.split("\n"):
        if line.startswith("}"):
            depth -= 1
        out.append("  " * depth + line)
        if line.endswith("{"):
            depth += 1
    return "\n".join(out)


def main():
    o = ["/* rtlr_generic: rtlreward's generic teaching library. Invented values (see",
         " * tools/gen_generic_lib.py, which writes this file): not a real process. */",
         "library (rtlr_generic) {",
         "delay_model : table_lookup;",
         'time_unit : "1ns";', 'voltage_unit : "1V";', 'current_unit : "1mA";',
         'leakage_power_unit : "1nW";', 'pulling_resistance_unit : "1kohm";',
         "capacitive_load_unit (1, pf);",
         "nom_process : 1;", "nom_temperature : 25;", "nom_voltage : 1.0;",
         "default_max_transition : 1.0;", "default_inout_pin_cap : 0.002;",
         "default_input_pin_cap : 0.002;", "default_output_pin_cap : 0.0;",
         "default_cell_leakage_power : 0.0;", "default_fanout_load : 1.0;",
         "input_threshold_pct_rise : 50;", "input_threshold_pct_fall : 50;",
         "output_threshold_pct_rise : 50;", "output_threshold_pct_fall : 50;",
         "slew_lower_threshold_pct_rise : 20;", "slew_lower_threshold_pct_fall : 20;",
         "slew_upper_threshold_pct_rise : 80;", "slew_upper_threshold_pct_fall : 80;",
         "slew_derate_from_library : 1.0;",
         "operating_conditions (typical) {", "process : 1;", "temperature : 25;",
         "voltage : 1.0;", "}", "default_operating_conditions : typical;",
         "lu_table_template (delay_3x3) {", "variable_1 : input_net_transition;",
         "variable_2 : total_output_net_capacitance;",
         'index_1 ("%s");' % ", ".join(map(str, SLEW)),
         'index_2 ("%s");' % ", ".join(map(str, LOAD)), "}",
         "power_lut_template (energy_3x3) {", "variable_1 : input_transition_time;",
         "variable_2 : total_output_net_capacitance;",
         'index_1 ("%s");' % ", ".join(map(str, SLEW)),
         'index_2 ("%s");' % ", ".join(map(str, LOAD)), "}"]
    for name, area, ins, func, sense, d0, r, cap, leak, e0 in COMB:
        o += ["cell (%s) {" % name, "area : %.2f;" % area, "cell_leakage_power : %.3f;" % leak]
        for p in ins:
            o += ["pin (%s) {" % p, "direction : input;", "capacitance : %.4f;" % cap, "}"]
        o += ["pin (Y) {", "direction : output;", 'function : "%s";' % func,
              "max_capacitance : 0.2;"]
        for p in ins:
            s = "non_unate" if (name.startswith("MUX") and p == "S") else sense
            if name.startswith("MUX") and p != "S":
                s = "positive_unate"
            o.append(arc(p, s, d0 + (0.01 if p == "S" else 0), r))
            o.append(ipower(p, e0))
        o += ["}", "}"]
    for name, area, rpin, rkind, d0, leak, e0 in SEQ:
        o += ["cell (%s) {" % name, "area : %.2f;" % area, "cell_leakage_power : %.3f;" % leak,
              "ff (IQ, IQN) {", 'next_state : "D";', 'clocked_on : "CK";']
        if rpin:
            o.append('%s : "!%s";' % (rkind, rpin))
        o += ["}", "pin (D) {", "direction : input;", "capacitance : 0.0020;",
              "timing () {", 'related_pin : "CK";', "timing_type : setup_rising;",
              'rise_constraint (scalar) { values ("0.050"); }',
              'fall_constraint (scalar) { values ("0.060"); }', "}",
              "timing () {", 'related_pin : "CK";', "timing_type : hold_rising;",
              'rise_constraint (scalar) { values ("0.020"); }',
              'fall_constraint (scalar) { values ("0.020"); }', "}", "}",
              "pin (CK) {", "direction : input;", "clock : true;", "capacitance : 0.0022;",
              "internal_power () {",
              'rise_power (scalar) { values ("%.4f"); }' % (e0 * 0.6),
              'fall_power (scalar) { values ("%.4f"); }' % (e0 * 0.4), "}", "}"]
        if rpin:
            o += ["pin (%s) {" % rpin, "direction : input;", "capacitance : 0.0021;", "}"]
        o += ["pin (Q) {", "direction : output;", 'function : "IQ";', "max_capacitance : 0.2;",
              arc("CK", "non_unate", d0, 4.0, "rising_edge"), ipower("CK", e0)]
        if rpin:
            sense = "positive_unate" if rkind == "clear" else "negative_unate"
            o.append(arc(rpin, sense, d0 - 0.02, 4.0, rkind, fall=True))
        o += ["}", "}"]
    o.append("}")
    sys.stdout.write(indent("\n".join(o)) + "\n")


if __name__ == "__main__":
    main()
