"""Read the DfE Common Transfer File (CTF, XML) as a source of a pack's admission register and
attendance (issue 17; the format, its sources and what is not known: docs/ctf-format.md).

``read_ctfs`` turns one or more CTFs of one school into the same text tables a CSV export gives
(the admission register's contract columns, and long attendance marks), each row with its file
and the source line of its element, so that the loader validates them as it validates a CSV. Every
pupil, school-history entry and decoded mark is accounted for as accepted, merged (the same fact in
two files), history (another school's) or rejected with file, line, the pupil's UPN and the element.

The marks string is decoded defensively (docs/ctf-format.md section 5): its tokens (one character
per session, or a letter with an optional digit when the string holds digits), the dates they fall
on (every calendar date, weekdays, or the school days of the pack's calendar), and the counting
convention that reproduces the file's own totals. One date layout is chosen per file (one writer,
one layout); every disagreement is kept in ``totals`` and ``notes``, never guessed away silently.

One module a job: ``parse`` (safe XML, school numbers), ``marks`` (the marks string), ``grounds``
(leaving reasons), ``combine`` (files into one school's rows and marks), ``source`` (a pack's CTFs,
in its folder or a zip, read and validated into its tables).
"""

from auditor.load.ctf.combine import ATTENDANCE_COLUMNS, REGISTER_COLUMNS, CtfFile, CtfIssue, CtfRead, read_ctfs
from auditor.load.ctf.grounds import deletion_ground, leaving_reasons
from auditor.load.ctf.marks import CONVENTIONS, LAYOUTS, TOKENS, code_text, count_totals, date_problems, place, tokenise
from auditor.load.ctf.parse import SchoolId, looks_like_ctf, parse_xml

__all__ = [
    "ATTENDANCE_COLUMNS",
    "CONVENTIONS",
    "LAYOUTS",
    "REGISTER_COLUMNS",
    "TOKENS",
    "CtfFile",
    "CtfIssue",
    "CtfRead",
    "SchoolId",
    "code_text",
    "count_totals",
    "date_problems",
    "deletion_ground",
    "leaving_reasons",
    "looks_like_ctf",
    "parse_xml",
    "place",
    "read_ctfs",
    "tokenise",
]
