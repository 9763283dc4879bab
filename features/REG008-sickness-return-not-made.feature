Feature: Fifteen school days of illness are returned to the local authority
  From 19 August 2024 a school tells the local authority of a pupil recorded ill (I) whom it
  believes will miss 15 school days in the school year, consecutive or cumulative. The policy counts
  the I marks of each school year; weekends, holidays and closures do not count. There was no such
  return under the 2006 Regulations, so illness before 19 August 2024 is not counted.

  Background:
    Given the local authority's list of returns from the school
    And the pupil "Ada Example" is on roll at the school

  Rule: Fifteen school days of illness in a school year need a sickness return

    Scenario: Three separate weeks of illness add up to 15 school days
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 07/10/2024 | II  | II  | II  | II  | II  |
        | 14/10/2024 | //  | //  | //  | //  | //  |
        | 04/11/2024 | II  | II  | II  | II  | II  |
        | 11/11/2024 | //  | //  | //  | //  | //  |
        | 06/01/2025 | II  | II  | II  | II  | II  |
        | 13/01/2025 | //  | //  | //  | //  | //  |
      And the local authority holds no sickness return for "Ada Example"
      When the registers are inspected on 17/01/2025
      Then an amber finding REG008 is raised for "Ada Example"
      And its evidence records illness_school_days as "15"
      And its evidence records longest_illness_run_school_days as "5"
      And its evidence records threshold_reached_on as "10/01/2025"

    Scenario: Fourteen and a half school days is not fifteen
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 07/10/2024 | II  | II  | II  | II  | II  |
        | 04/11/2024 | II  | II  | II  | II  | II  |
        | 06/01/2025 | /I  | II  | II  | II  | II  |
      When the registers are inspected on 17/01/2025
      Then no finding REG008 is raised for "Ada Example"

    Scenario: A continuous illness across the half-term holiday
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/02/2025 | II  | II  | II  | II  | II  |
        | 17/02/2025 |     |     |     |     |     |
        | 24/02/2025 | II  | II  | II  | II  | II  |
        | 03/03/2025 | II  | II  | II  | II  | II  |
        | 10/03/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 14/03/2025
      Then an amber finding REG008 is raised for "Ada Example"
      And its evidence records longest_illness_run_school_days as "15"

    Scenario: The sickness return was made
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 10/02/2025 | II  | II  | II  | II  | II  |
        | 24/02/2025 | II  | II  | II  | II  | II  |
        | 03/03/2025 | II  | II  | II  | II  | II  |
      And the local authority received a sickness return for "Ada Example" on 26/02/2025
      When the registers are inspected on 14/03/2025
      Then no finding REG008 is raised for "Ada Example"

  Rule: The sickness return came with the 2024 Regulations

    Scenario: Illness before 19 August 2024 is not counted
      Given the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 17/06/2024 | II  | II  | II  | II  | II  |
        | 24/06/2024 | II  | II  | II  | II  | II  |
        | 01/07/2024 | II  | II  | II  | II  | II  |
      When the registers are inspected on 14/10/2024
      Then no finding REG008 is raised for "Ada Example"
