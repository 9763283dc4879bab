Feature: Part-time timetables are short, agreed and reviewed
  A part-time timetable is lawful only as a temporary measure agreed with the parent, with a time
  limit, regular review and a plan back to full-time education. The policy flags any timetable
  that runs beyond 6 weeks of school days (30 school days: amber, REG003) and escalates any beyond
  12 months of schooling (190 school days: red, REG004) – one finding per timetable, the more
  serious. A timetable counts from its start to its actual end, or to the inspection while it runs.
  Where the register shows C2 marks that the school's log does not cover, the timetable is
  inferred from those marks, so a school without a log is still checked.

  Background:
    Given the pupil "Ada Example" is on roll at the school
    And the school keeps a part-time timetable log

  Rule: Beyond 6 weeks a part-time timetable is flagged for review

    Scenario: Six weeks less a day is within the limit
      Given "Ada Example" was on a part-time timetable from 06/01/2025 to 13/02/2025
      When the registers are inspected on 14/03/2025
      Then no finding REG003 is raised for "Ada Example"
      And no finding REG004 is raised for "Ada Example"

    Scenario: Six weeks exactly is within the limit
      Given "Ada Example" was on a part-time timetable from 06/01/2025 to 14/02/2025
      When the registers are inspected on 14/03/2025
      Then no finding REG003 is raised for "Ada Example"

    Scenario: Six weeks and a day is beyond it
      Given "Ada Example" was on a part-time timetable from 06/01/2025 to 17/02/2025
      When the registers are inspected on 14/03/2025
      Then an amber finding REG003 is raised for "Ada Example"
      And its evidence shows 31 school days on the timetable

    Scenario: A timetable still running is counted to the inspection
      Given "Ada Example" has been on a part-time timetable since 06/01/2025
      When the registers are inspected on 14/03/2025
      Then an amber finding REG003 is raised for "Ada Example"
      And its summary says "still running"

    Scenario: A timetable without the parent's agreement says so
      Given "Ada Example" has been on a part-time timetable since 06/01/2025 with no parental agreement recorded
      When the registers are inspected on 14/03/2025
      Then an amber finding REG003 is raised for "Ada Example"
      And its summary says "No parental agreement is recorded"

  Rule: Beyond 12 months it is escalated, and only escalated

    Scenario: A timetable running since the previous school year
      Given "Ada Example" has been on a part-time timetable since 08/01/2024
      When the registers are inspected on 14/03/2025
      Then a red finding REG004 is raised for "Ada Example"
      And no finding REG003 is raised for "Ada Example"

    Scenario: A timetable running since September is not yet 12 months
      Given "Ada Example" has been on a part-time timetable since 02/09/2024
      When the registers are inspected on 14/03/2025
      Then an amber finding REG003 is raised for "Ada Example"
      And no finding REG004 is raised for "Ada Example"

  Rule: C2 marks with no timetable in the log are a timetable too

    Scenario: Afternoons coded C2 for seven weeks and nothing in the log
      Given the attendance register for "Ada Example" reads
        | week of    | Mon  | Tue  | Wed  | Thu  | Fri  |
        | 06/01/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 13/01/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 20/01/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 27/01/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 03/02/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 10/02/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 17/02/2025 |      |      |      |      |      |
        | 24/02/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
      When the registers are inspected on 28/02/2025
      Then an amber finding REG003 is raised for "Ada Example"
      And its evidence shows the timetable was inferred from C2 marks
      And its evidence shows 35 school days on the timetable

    Scenario: C2 marks covered by the log are not counted twice
      Given "Ada Example" was on a part-time timetable from 06/01/2025 to 31/01/2025
      And the attendance register for "Ada Example" reads
        | week of    | Mon  | Tue  | Wed  | Thu  | Fri  |
        | 06/01/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 13/01/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 20/01/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 27/01/2025 | /C2  | /C2  | /C2  | /C2  | /C2  |
        | 03/02/2025 | //   | //   | //   | //   | //   |
      When the registers are inspected on 28/02/2025
      Then no finding REG003 is raised for "Ada Example"
