"""Which version of the official format a report follows.

The 2019 format (the revised 条例 of 2019, reports for 2019 and 2020) and the 2021 format (reports
for 2021 on) differ in the applications table; reports up to 2018 follow the 2008 format, which this
library does not read and warns about.
"""

from __future__ import annotations

import re

from govparse_ml.format.schema import FormatVersion

FIRST_2021_YEAR = 2021
FIRST_2019_YEAR = 2019
FIRST_REPORT_YEAR = 2007  # the 2008 条例's first reports

# Top-level headings of the format used up to the 2018 reports (2008 条例), absent from the 2019 one.
OLD_FORMAT_HEADING = re.compile(
    r"依申请公开政府信息(?:的)?情况|收费及减免|因政府信息公开申请(?:提起|申请)?行政复议|不予公开政府信息的?情况"
)


def format_for_year(year: int) -> FormatVersion:
    """The format a report for ``year`` is written in (from 2019 on)."""
    return "2021" if year >= FIRST_2021_YEAR else "2019"


def is_pre_2019_year(year: int) -> bool:
    """Whether a report for ``year`` predates the 2019 format."""
    return FIRST_REPORT_YEAR <= year < FIRST_2019_YEAR
