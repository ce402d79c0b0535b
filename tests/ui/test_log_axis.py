"""Log-scale axes are labelled at the powers of ten only (gradient through time, Curves)."""

from __future__ import annotations

from ui.views.plotting import DecadeLogAxis, decade_text


def test_only_whole_decades_are_labelled(qapp):
    axis = DecadeLogAxis("left")
    # pyqtgraph hands a log axis its tick positions as exponents: 10^-5, 2·10^-5 ... 10^-1
    values = [-5.0, -4.699, -4.0, -3.0, -2.523, -2.0, -1.0]
    assert axis.logTickStrings(values, 1.0, 1.0) == [
        "10⁻⁵", "", "10⁻⁴", "0.001", "", "0.01", "0.1"]
    assert [decade_text(e) for e in (0, 2, 6)] == ["1", "100", "10⁶"]


def test_about_a_decade_keeps_pyqtgraphs_labels(qapp):
    axis = DecadeLogAxis("left")
    assert all(axis.logTickStrings([-2.699, -2.523, -2.398], 1.0, 1.0))  # 2, 3, 4 x 10^-3
    # one power of ten among them (0.004 ... 0.02): a lone "0.01" would leave the axis bare
    assert all(axis.logTickStrings([-2.398, -2.301, -2.0, -1.699], 1.0, 1.0))
