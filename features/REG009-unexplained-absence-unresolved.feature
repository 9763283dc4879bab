Feature: Absence is not left as N (reason not yet established) beyond 5 school days
  N is a holding code: the school establishes the reason for the absence and replaces N with the
  code of that reason, or with O, within 5 school days. The policy counts school days from the first
  N of a run to the inspection; weekends and holidays do not count.

  Background:
    Given the pupil "Ada Example" is on roll at the school

  Rule: An N still in the register more than 5 school days after it is unresolved

    Scenario: An N left in the register for six school days
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | //  | //  | //  | //  |
        | 13/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 14/01/2025
      Then an amber finding REG009 is raised for "Ada Example"
      And its evidence records school_days_since_first_mark as "6"
      And its evidence records resolve_by as "13/01/2025"

    Scenario: Five school days after the N it is not yet overdue
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | //  | //  | //  | //  |
        | 13/01/2025 | //  |     |     |     |     |
      When the registers are inspected on 13/01/2025
      Then no finding REG009 is raised for "Ada Example"

    Scenario: The half-term holiday does not count
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/02/2025 | //  | //  | //  | //  | NN  |
        | 17/02/2025 |     |     |     |     |     |
        | 24/02/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 28/02/2025
      Then no finding REG009 is raised for "Ada Example"

    Scenario: The same N after the holiday and one more school day is overdue
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/02/2025 | //  | //  | //  | //  | NN  |
        | 17/02/2025 |     |     |     |     |     |
        | 24/02/2025 | //  | //  | //  | //  | //  |
        | 03/03/2025 | //  |     |     |     |     |
      When the registers are inspected on 03/03/2025
      Then an amber finding REG009 is raised for "Ada Example"

    Scenario: An N replaced with O is resolved
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | //  | //  | //  | //  |
        | 13/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 17/01/2025
      Then no finding REG009 is raised for "Ada Example"

  Rule: An N is judged by the regulations in force on its date

    Scenario: Before 19 August 2024 the 2006 Regulations and the attendance guidance applied
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/06/2024 | NN  | //  | //  | //  | //  |
        | 10/06/2024 | //  | //  | //  | //  | //  |
      When the registers are inspected on 14/06/2024
      Then an amber finding REG009 is raised for "Ada Example"
      And its legal basis cites "SI 2006/1751"
