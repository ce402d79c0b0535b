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


def test_less_than_a_decade_keeps_pyqtgraphs_labels(qapp):
    values = [-2.699, -2.523, -2.398]  # 2, 3, 4 times 10^-3
    labels = DecadeLogAxis("left").logTickStrings(values, 1.0, 1.0)
    assert all(labels)
