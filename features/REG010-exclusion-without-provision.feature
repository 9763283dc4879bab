Feature: An excluded pupil receives education from the sixth school day
  A pupil suspended or permanently excluded is owed suitable full-time education from the sixth
  school day of the exclusion. E records exclusion with no alternative provision; a run of E beyond
  5 school days is a child without the education due. Weekends and holidays neither count nor break
  the run.

  Background:
    Given the pupil "Ada Example" is on roll at the school

  Rule: A run of E beyond 5 school days means the provision due was not made

    Scenario: Excluded for six school days with no provision
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/03/2025 | EE  | EE  | EE  | EE  | EE  |
        | 17/03/2025 | EE  | //  | //  | //  | //  |
      When the registers are inspected on 21/03/2025
      Then a red finding REG010 is raised for "Ada Example"
      And its evidence records provision_due_on as "17/03/2025"

    Scenario: Five school days of exclusion, then provision arranged
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/03/2025 | EE  | EE  | EE  | EE  | EE  |
        | 17/03/2025 | KK  | KK  | KK  | //  | //  |
      When the registers are inspected on 21/03/2025
      Then no finding REG010 is raised for "Ada Example"

    Scenario: The morning of the sixth day without provision is already beyond 5 school days
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/03/2025 | EE  | EE  | EE  | EE  | EE  |
        | 17/03/2025 | EK  | KK  | //  | //  | //  |
      When the registers are inspected on 21/03/2025
      Then a red finding REG010 is raised for "Ada Example"

    Scenario: An exclusion across the half-term holiday
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/02/2025 | //  | //  | EE  | EE  | EE  |
        | 17/02/2025 |     |     |     |     |     |
        | 24/02/2025 | EE  | EE  | EE  | //  | //  |
      When the registers are inspected on 28/02/2025
      Then a red finding REG010 is raised for "Ada Example"
      And its evidence records school_days as "6"
      And its evidence records provision_due_on as "26/02/2025"
