Feature: The attendance register agrees with the deletion
  A pupil's name is deleted on the day the ground is met, not backdated: attendance is recorded up
  to that day and for no one after it. A pupil attending on or after the deletion day was deleted
  retrospectively; marks of possible sessions on the days after it mean the registers disagree
  about whether the child is on roll. Marks after a later re-admission of the same pupil are not
  contradictions.

  Background:
    Given the pupil "Ada Example" is on roll at the school

  Rule: No attendance on or after the deletion day

    Scenario: The pupil attended after being deleted
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/02/2025 | //  | //  | //  | //  | //  |
        | 10/02/2025 | //  | //  | //  | //  | //  |
      And "Ada Example" was deleted from the register on 07/02/2025 on ground "9(1)(g)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG012 is raised for "Ada Example"
      And its summary says "attending on 12 sessions on or after that day (first on 07/02/2025)"
      And its summary says "retrospectively"

    Scenario: Present the day before the deletion, absent on the day
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/02/2025 | //  | //  | //  | //  | OO  |
      And "Ada Example" was deleted from the register on 07/02/2025 on ground "9(1)(g)"
      When the registers are inspected on 14/02/2025
      Then no finding REG012 is raised for "Ada Example"

    Scenario: Present on the deletion day itself
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/02/2025 | //  | //  | //  | //  | /O  |
      And "Ada Example" was deleted from the register on 07/02/2025 on ground "9(1)(g)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG012 is raised for "Ada Example"

  Rule: No marks of possible sessions after the deletion day

    Scenario: Absence marks continue after the deletion
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/02/2025 | OO  | OO  | OO  | OO  | OO  |
        | 10/02/2025 | OO  | OO  |     |     |     |
      And "Ada Example" was deleted from the register on 07/02/2025 on ground "9(1)(g)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG012 is raised for "Ada Example"
      And its evidence records marks_after_deletion as "4"

    Scenario: Marks after a later re-admission are not contradictions
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/02/2025 | //  | //  | //  | //  | OO  |
        | 03/03/2025 | //  | //  | //  | //  | //  |
      And "Ada Example" was deleted from the register on 07/02/2025 on ground "9(1)(a)"
      And "Ada Example" was re-admitted on 03/03/2025
      When the registers are inspected on 07/03/2025
      Then no finding REG012 is raised for "Ada Example"
