Feature: Unauthorised absence of 10 school days is returned to the local authority
  A school tells the local authority about every pupil who has been absent without authorisation
  for 10 continuous school days. Returns are made at intervals agreed with the local authority,
  so the policy allows 20 school days from the day the run reached 10 days: until then a missing
  return is amber ("due"), after it red. Weekends, holidays and closures neither count nor break a
  run; any other mark breaks it.

  Background:
    Given the local authority's list of returns from the school
    And the pupil "Ada Example" is on roll at the school

  Rule: Ten school days of continuous unauthorised absence need an absence return

    Scenario: Two weeks of unexplained absence and no return, long overdue
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | //  | //  | //  | //  | //  |
      And the local authority holds no absence return for "Ada Example"
      When the registers are inspected on 24/02/2025
      Then a red finding REG005 is raised for "Ada Example"
      And its evidence shows 10 school days of continuous unauthorised absence from 06/01/2025
      And its summary says "it was due by 14/02/2025"

    Scenario: Nine and a half school days is not yet ten
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | /N  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 24/02/2025
      Then no finding REG005 is raised for "Ada Example"

    Scenario: A whole-school closure on a day the calendar lists as open does not break a run
      Given the school's calendar lists every weekday from 01/09/2024 to 31/08/2025 as open
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | ##  | OO  | OO  |
        | 20/01/2025 | OO  | //  | //  | //  | //  |
      And the local authority holds no absence return for "Ada Example"
      When the registers are inspected on 24/02/2025
      Then a red finding REG005 is raised for "Ada Example"
      And its evidence shows 10 school days of continuous unauthorised absence from 06/01/2025

    Scenario: A run across the half-term holiday is not broken by it
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/02/2025 | //  | //  | OO  | OO  | OO  |
        | 17/02/2025 |     |     |     |     |     |
        | 24/02/2025 | OO  | OO  | OO  | OO  | OO  |
        | 03/03/2025 | GG  | GG  | //  | //  | //  |
      When the registers are inspected on 14/04/2025
      Then a red finding REG005 is raised for "Ada Example"
      And its evidence shows 10 school days of continuous unauthorised absence from 12/02/2025

    Scenario: One present session breaks the run
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 13/01/2025 | O/  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 24/02/2025
      Then no finding REG005 is raised for "Ada Example"

    Scenario: One authorised session breaks the run
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | IO  | OO  | OO  |
        | 20/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 24/02/2025
      Then no finding REG005 is raised for "Ada Example"

    Scenario: A late arrival after the register closed (U) is unauthorised and keeps the run going
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | UU  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
      When the registers are inspected on 24/02/2025
      Then a red finding REG005 is raised for "Ada Example"

  Rule: The return is due within the allowance agreed with the local authority

    Scenario: No return yet, but not yet overdue
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 24/01/2025
      Then an amber finding REG005 is raised for "Ada Example"
      And its summary says "one is due by 14/02/2025"

    Scenario: The return was made in time
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | //  | //  | //  | //  | //  |
      And the local authority received an absence return for "Ada Example" on 20/01/2025
      When the registers are inspected on 24/02/2025
      Then no finding REG005 is raised for "Ada Example"

    Scenario: The return was made, but late
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | //  | //  | //  | //  | //  |
      And the local authority received an absence return for "Ada Example" on 20/02/2025
      When the registers are inspected on 24/02/2025
      Then an amber finding REG005 is raised for "Ada Example"
      And its summary says "only on 20/02/2025"

    Scenario: A return made before the run began does not count for it
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 02/12/2024
      When the registers are inspected on 24/02/2025
      Then a red finding REG005 is raised for "Ada Example"

  Rule: The same register is judged by the policy in force

    Scenario: A stricter local policy asks for a return after 5 school days
      Given the school is inspected under the "stricter-local" policy
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | //  | //  | //  | //  |
      When the registers are inspected on 24/02/2025
      Then a red finding REG005 is raised for "Ada Example"

    Scenario: The same register under the statutory policy gives no finding
      Given the school is inspected under the "statutory" policy
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | //  | //  | //  | //  |
      When the registers are inspected on 24/02/2025
      Then no finding REG005 is raised for "Ada Example"
