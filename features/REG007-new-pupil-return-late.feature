Feature: A new pupil is returned to the local authority within 5 days of the entry
  When a pupil's name is entered in the admission register, the school tells the local authority
  by the end of the 5th day after the entry (calendar days, as the regulations count them). Pupils
  placed in the school's most junior class whose starting day is the first day of the school year
  are exempt. Before 19 August 2024 the 2006 Regulations, as amended in 2016, made the same duty.

  Background:
    Given the local authority's list of returns from the school
    And the pupil "Ada Example" in year 3 is on roll at the school
    And the pupil "Ben Example" in year R is on roll at the school

  Rule: The return is due by the end of the 5th day after the entry

    Scenario: A pupil joins mid-year and no return is made
      Given "Ada Example" was entered in the admission register on 06/01/2025
      When the registers are inspected on 14/01/2025
      Then an amber finding REG007 is raised for "Ada Example"
      And its summary says "the local authority holds no new pupil return"
      And its legal basis cites "reg 13(1)-(3)"

    Scenario: The return received on the 5th day after the entry is in time
      Given "Ada Example" was entered in the admission register on 06/01/2025
      And the local authority received a new pupil return for "Ada Example" on 11/01/2025
      When the registers are inspected on 14/02/2025
      Then no finding REG007 is raised for "Ada Example"

    Scenario: The return received on the 6th day is late
      Given "Ada Example" was entered in the admission register on 06/01/2025
      And the local authority received a new pupil return for "Ada Example" on 12/01/2025
      When the registers are inspected on 14/02/2025
      Then an amber finding REG007 is raised for "Ada Example"
      And its summary says "6 days after the entry"

    Scenario: No return yet, but it is not yet due
      Given "Ada Example" was entered in the admission register on 06/01/2025
      When the registers are inspected on 11/01/2025
      Then no finding REG007 is raised for "Ada Example"

  Rule: Pupils starting in the most junior class on the first day of the school year are exempt

    Scenario: A reception pupil starting on the first day of the school year needs no return
      Given "Ben Example" was entered in the admission register on 02/09/2024
      When the registers are inspected on 14/10/2024
      Then no finding REG007 is raised for "Ben Example"

    Scenario: A reception pupil entered in the summer to start on the first day of the school year
      Given "Ben Example" was entered in the admission register on 01/07/2024 to start on 02/09/2024
      When the registers are inspected on 14/10/2024
      Then no finding REG007 is raised for "Ben Example"

    Scenario: A reception pupil starting on the school's first day, after INSET days, needs no return
      Given the inspection looks at events from 04/09/2024
      And the school's calendar opens the school year on 04/09/2024, after INSET days
      And "Ben Example" was entered in the admission register on 04/09/2024
      When the registers are inspected on 14/10/2024
      Then no finding REG007 is raised for "Ben Example"

    Scenario: A reception pupil starting a week into the school year is not exempt
      Given "Ben Example" was entered in the admission register on 09/09/2024
      When the registers are inspected on 14/10/2024
      Then an amber finding REG007 is raised for "Ben Example"

    Scenario: A reception pupil entered in July to start a week into the next school year is not exempt
      Given "Ben Example" was entered in the admission register on 01/07/2025 to start on 08/09/2025
      When the registers are inspected on 14/07/2025
      Then an amber finding REG007 is raised for "Ben Example"

    Scenario: A pupil in another year group starting on the first day of the school year is not exempt
      Given "Ada Example" was entered in the admission register on 02/09/2024
      When the registers are inspected on 14/10/2024
      Then an amber finding REG007 is raised for "Ada Example"

  Rule: An entry is judged by the regulations in force on its date

    Scenario: Before 19 August 2024 the 2006 Regulations as amended in 2016 applied
      Given "Ada Example" was entered in the admission register on 03/06/2024
      When the registers are inspected on 14/10/2024
      Then an amber finding REG007 is raised for "Ada Example"
      And its legal basis cites "reg 12(3)-(5)"
