Feature: A pupil is deleted as "lost" only when the lost-pupil ground is really met
  The lost-pupil ground lets a school delete a pupil whose whereabouts are unknown. It holds only
  when the pupil has been continuously absent for at least 20 school days up to the deletion, every
  session of that run coded G, N or O (under the 2006 Regulations, before 19 August 2024: any
  unauthorised code), and the school and the local authority have jointly made reasonable enquiries
  first. In the registers, the local authority's involvement is a return about the pupil that it
  received before the deletion. Weekends and holidays neither count nor break the run.

  Background:
    Given the local authority's list of returns from the school
    And the pupil "Ada Example" is on roll at the school

  Rule: Twenty school days of G, N or O, and the local authority involved, make the ground

    Scenario: Four weeks of unexplained absence, the local authority told, then deletion
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 27/01/2025 | GG  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 20/01/2025
      And "Ada Example" was deleted from the register on 03/02/2025 on ground "9(1)(i)"
      When the registers are inspected on 14/02/2025
      Then no finding REG002 is raised for "Ada Example"

    Scenario: Nineteen and a half school days is not twenty
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | /N  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 27/01/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 20/01/2025
      And "Ada Example" was deleted from the register on 03/02/2025 on ground "9(1)(i)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG002 is raised for "Ada Example"
      And its evidence shows 19.5 school days of absence before the deletion
      And its summary says "not 20"

    Scenario: Fifteen school days and a deletion
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 27/01/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 24/01/2025
      And "Ada Example" was deleted from the register on 03/02/2025 on ground "reg 9(1)(i)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG002 is raised for "Ada Example"
      And its evidence shows 15 school days of absence before the deletion

    Scenario: A run across the half-term holiday counts both sides of it
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/02/2025 | OO  | OO  | OO  | OO  | OO  |
        | 10/02/2025 | OO  | OO  | OO  | OO  | OO  |
        | 17/02/2025 |     |     |     |     |     |
        | 24/02/2025 | OO  | OO  | OO  | OO  | OO  |
        | 03/03/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 14/02/2025
      And "Ada Example" was deleted from the register on 10/03/2025 on ground "9(1)(i)"
      When the registers are inspected on 14/03/2025
      Then no finding REG002 is raised for "Ada Example"

  Rule: Any other code in the run means the ground is not met

    Scenario: One session of illness in the run
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | IO  | OO  | OO  |
        | 20/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 27/01/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 20/01/2025
      And "Ada Example" was deleted from the register on 03/02/2025 on ground "9(1)(i)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG002 is raised for "Ada Example"
      And its summary says "broken by I (authorised) on 15/01/2025 AM"

    Scenario: From 19 August 2024 a late mark after the register closed (U) breaks the run
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | UO  | OO  | OO  |
        | 20/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 27/01/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 20/01/2025
      And "Ada Example" was deleted from the register on 03/02/2025 on ground "9(1)(i)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG002 is raised for "Ada Example"
      And its legal basis cites "reg 9(1)(i)"

    Scenario: Before 19 August 2024 any unauthorised code, U included, kept the run going
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/06/2024 | OO  | OO  | OO  | OO  | OO  |
        | 17/06/2024 | OO  | OO  | UO  | OO  | OO  |
        | 24/06/2024 | OO  | OO  | OO  | OO  | OO  |
        | 01/07/2024 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 24/06/2024
      And "Ada Example" was deleted from the register on 08/07/2024 on ground "8(1)(h)"
      When the registers are inspected on 14/02/2025
      Then no finding REG002 is raised for "Ada Example"

  Rule: The local authority must be involved before the deletion

    Scenario: Twenty school days of absence but no return to the local authority
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 27/01/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority holds no absence return for "Ada Example"
      And "Ada Example" was deleted from the register on 03/02/2025 on ground "9(1)(i)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG002 is raised for "Ada Example"
      And its summary says "no sign of the joint enquiries"

    Scenario: A return made only after the deletion is too late
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 27/01/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 04/02/2025
      And "Ada Example" was deleted from the register on 03/02/2025 on ground "9(1)(i)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG002 is raised for "Ada Example"

  Rule: Other grounds are not this rule's business

    Scenario: A pupil deleted for moving away is not judged as a lost pupil
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 27/01/2025 | OO  | OO  | OO  | OO  | OO  |
      And "Ada Example" was deleted from the register on 03/02/2025 on ground "9(1)(g)"
      When the registers are inspected on 14/02/2025
      Then no finding REG002 is raised for "Ada Example"
