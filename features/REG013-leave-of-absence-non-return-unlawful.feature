Feature: A pupil is deleted for not returning from leave only when that ground is really met
  The leave non-return ground (2024 reg 9(1)(h); 2006 reg 8(1)(f)) holds only when the pupil was
  granted leave of absence, then did not attend within the 10 school days immediately after the
  leave ended, with no reason to think of sickness, and the school and the local authority jointly
  failed to find the child. In the registers: a leave of absence code (from 19 August 2024 C1, M,
  J1, S, C2 or C; before, H, C, M or S), at least 10 school days with no attendance and no illness
  from its end to the deletion, and a return about the pupil received by the local authority from
  the start of the leave to the deletion. Weekends and holidays do not count.

  Background:
    Given the local authority's list of returns from the school
    And the pupil "Ada Example" is on roll at the school

  Rule: Leave, then 10 school days without attendance, and the local authority involved

    Scenario: Leave, ten school days of absence, an absence return, then the deletion
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/03/2025 | CC  | CC  | CC  | CC  | CC  |
        | 10/03/2025 | OO  | OO  | OO  | OO  | OO  |
        | 17/03/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 17/03/2025
      And "Ada Example" was deleted from the register on 21/03/2025 on ground "9(1)(h)"
      When the registers are inspected on 28/03/2025
      Then no finding REG013 is raised for "Ada Example"

    Scenario: Deleted after nine school days
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/03/2025 | CC  | CC  | CC  | CC  | CC  |
        | 10/03/2025 | OO  | OO  | OO  | OO  | OO  |
        | 17/03/2025 | OO  | OO  | OO  | OO  |     |
      And the local authority received an absence return for "Ada Example" on 17/03/2025
      And "Ada Example" was deleted from the register on 20/03/2025 on ground "9(1)(h)"
      When the registers are inspected on 28/03/2025
      Then a red finding REG013 is raised for "Ada Example"
      And its summary says "9 school days without attendance followed the leave"

    Scenario: Ten school days across the half-term holiday
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/02/2025 | CC  | CC  | CC  | CC  | CC  |
        | 17/02/2025 |     |     |     |     |     |
        | 24/02/2025 | OO  | OO  | OO  | OO  | OO  |
        | 03/03/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 03/03/2025
      And "Ada Example" was deleted from the register on 07/03/2025 on ground "9(1)(h)"
      When the registers are inspected on 14/03/2025
      Then no finding REG013 is raised for "Ada Example"

    Scenario: No leave of absence in the register
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/03/2025 | OO  | OO  | OO  | OO  | OO  |
        | 10/03/2025 | OO  | OO  | OO  | OO  | OO  |
        | 17/03/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 17/03/2025
      And "Ada Example" was deleted from the register on 21/03/2025 on ground "9(1)(h)"
      When the registers are inspected on 28/03/2025
      Then a red finding REG013 is raised for "Ada Example"
      And its summary says "records no leave of absence"

    Scenario: The pupil came back for a day after the leave
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/03/2025 | CC  | CC  | CC  | CC  | CC  |
        | 10/03/2025 | OO  | OO  | //  | OO  | OO  |
        | 17/03/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 17/03/2025
      And "Ada Example" was deleted from the register on 21/03/2025 on ground "9(1)(h)"
      When the registers are inspected on 28/03/2025
      Then a red finding REG013 is raised for "Ada Example"
      And its summary says "the pupil attended on 12/03/2025"

    Scenario: Illness recorded after the leave
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/03/2025 | CC  | CC  | CC  | CC  | CC  |
        | 10/03/2025 | II  | OO  | OO  | OO  | OO  |
        | 17/03/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 17/03/2025
      And "Ada Example" was deleted from the register on 21/03/2025 on ground "9(1)(h)"
      When the registers are inspected on 28/03/2025
      Then a red finding REG013 is raised for "Ada Example"
      And its summary says "illness is recorded after the leave"

    Scenario: No return to the local authority before the deletion
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/03/2025 | CC  | CC  | CC  | CC  | CC  |
        | 10/03/2025 | OO  | OO  | OO  | OO  | OO  |
        | 17/03/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority holds no absence return for "Ada Example"
      And "Ada Example" was deleted from the register on 21/03/2025 on ground "9(1)(h)"
      When the registers are inspected on 28/03/2025
      Then a red finding REG013 is raised for "Ada Example"
      And its summary says "no sign of the joint enquiries"

  Rule: Leave is read in the codes of the regulations in force

    Scenario: Before 19 August 2024 an agreed holiday (H) was leave of absence
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/06/2024 | HH  | HH  | HH  | HH  | HH  |
        | 10/06/2024 | OO  | OO  | OO  | OO  | OO  |
        | 17/06/2024 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 14/06/2024
      And "Ada Example" was deleted from the register on 21/06/2024 on ground "8(1)(f)"
      When the registers are inspected on 28/03/2025
      Then no finding REG013 is raised for "Ada Example"

    Scenario: From 19 August 2024 the withdrawn H code records no leave
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 03/03/2025 | HH  | HH  | HH  | HH  | HH  |
        | 10/03/2025 | OO  | OO  | OO  | OO  | OO  |
        | 17/03/2025 | OO  | OO  | OO  | OO  | OO  |
      And the local authority received an absence return for "Ada Example" on 17/03/2025
      And "Ada Example" was deleted from the register on 21/03/2025 on ground "9(1)(h)"
      When the registers are inspected on 28/03/2025
      Then a red finding REG013 is raised for "Ada Example"
      And its legal basis cites "reg 9(1)(h)"
