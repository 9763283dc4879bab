Feature: Pupils persistently or severely absent are listed for the officer and the school
  A pupil missing 10% or more of possible sessions is persistently absent; 50% or more, severely
  absent. Attendance is (present + approved educational activity) / possible sessions, where
  possible sessions leave out codes that are neither attendance nor absence (D, X, Q, Y, Y1-Y7, Z)
  and closures. This is good practice, not a breach: the list of children at risk of missing
  education. A pupil with fewer possible sessions than the policy's minimum (20) is not listed.

  Background:
    Given the pupil "Ada Example" is on roll at the school

  Rule: Missing 10% or more is persistent absence, 50% or more severe

    Scenario: Two sessions missed out of twenty is persistent absence
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | //  | //  | OO  | //  | //  |
        | 13/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 17/01/2025
      Then a green finding REG014 is raised for "Ada Example"
      And its evidence records absence_percent as "10"
      And its summary says "persistently absent"

    Scenario: One session missed out of twenty is not
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | //  | //  | O/  | //  | //  |
        | 13/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 17/01/2025
      Then no finding REG014 is raised for "Ada Example"

    Scenario: Half the sessions missed is severe absence
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | II  | OO  | GG  | OO  |
        | 13/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 17/01/2025
      Then an amber finding REG014 is raised for "Ada Example"
      And its summary says "severely absent"

    Scenario: Approved educational activity counts as attendance
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | VV  | VV  | KK  | PP  | //  |
        | 13/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 17/01/2025
      Then no finding REG014 is raised for "Ada Example"

  Rule: Sessions that are not possible do not count

    Scenario: Sessions at another school where the pupil is dual registered are left out
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | //  | //  | O/  | //  | //  |
        | 13/01/2025 | //  | //  | //  | //  | //  |
        | 20/01/2025 | DD  | DD  | DD  | DD  | DD  |
      When the registers are inspected on 24/01/2025
      Then no finding REG014 is raised for "Ada Example"

    Scenario: A pupil with fewer than 20 possible sessions is not listed
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 13/01/2025 | OO  | OO  | OO  | //  | //  |
      When the registers are inspected on 17/01/2025
      Then no finding REG014 is raised for "Ada Example"

    Scenario: A pupil no longer on roll is not listed
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 13/01/2025 | //  | //  | //  | //  | //  |
      And "Ada Example" was deleted from the register on 17/01/2025 on ground "9(1)(a)"
      When the registers are inspected on 24/01/2025
      Then no finding REG014 is raised for "Ada Example"
