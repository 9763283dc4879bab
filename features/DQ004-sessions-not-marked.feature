Feature: Every school session has a mark for every pupil on roll
  At the start of each morning and afternoon session the school records a code for every pupil on
  roll. A session the school met (by its calendar, or derived from the register) with no mark for a
  pupil on roll is an amber finding: one per pupil, with the count and the first and last dates.
  Only the span the attendance extract covers is judged.

  Background:
    Given the pupil "Ben Present" is on roll at the school
    And the attendance register for "Ben Present" reads
      | week of    | Mon | Tue | Wed | Thu | Fri |
      | 06/01/2025 | //  | //  | //  | //  | //  |

  Rule: An unmarked session while on roll is an amber finding

    Scenario: A day with no marks
      Given the pupil "Ada Example" is on roll at the school
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | //  | //  |     | //  | //  |
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ004 is raised for "Ada Example"
      And its summary says "no attendance mark for 2 school sessions of 10 between 08/01/2025 and 08/01/2025"

    Scenario: No marks before the admission is right
      Given the pupil "Ada Example" was admitted on 08/01/2025
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 |     |     | //  | //  | //  |
      When the registers are inspected on 24/01/2025
      Then no finding DQ004 is raised for "Ada Example"

    Scenario: A day the whole school was closed needs no marks
      Given the pupil "Ada Example" is on roll at the school
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | //  | //  | ##  | //  | //  |
      And the attendance register for "Ben Present" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 13/01/2025 | ##  |     |     |     |     |
      When the registers are inspected on 24/01/2025
      Then no finding DQ004 is raised for "Ada Example"
