Feature: A pupil is deleted only on a ground of the regulations in force on the day
  A pupil of compulsory school age is deleted from the admission register only on one of the
  grounds the regulations prescribe, and the ground is recorded. From 19 August 2024 the grounds are
  those of the 2024 Regulations, reg 9(1); before, those of the 2006 Regulations, reg 8(1). A 2006
  ground used after the change, a 2024 ground used before it, an unreadable ground or none at all
  cannot show that the deletion was lawful.

  Background:
    Given the pupil "Ada Example" is on roll at the school

  Rule: The ground must be one of the regulations in force on the deletion date

    Scenario: The 2006 lost-pupil ground used after 19 August 2024
      Given "Ada Example" was deleted from the register on 14/10/2024 on ground "8(1)(h)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG011 is raised for "Ada Example"
      And its summary says "a ground of the 2006 Regulations, which were not in force on that date"
      And its legal basis cites "reg 9(1)"

    Scenario: The same ground before 19 August 2024 was valid
      Given "Ada Example" was deleted from the register on 08/07/2024 on ground "8(1)(h)"
      When the registers are inspected on 14/02/2025
      Then no finding REG011 is raised for "Ada Example"

    Scenario: The 2024 permanent exclusion ground used before it came into force
      Given "Ada Example" was deleted from the register on 16/08/2024 on ground "9(1)(o)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG011 is raised for "Ada Example"
      And its legal basis cites "reg 8(1)"

    Scenario: The same ground on 19 August 2024, the day it came into force
      Given "Ada Example" was deleted from the register on 19/08/2024 on ground "9(1)(o)"
      When the registers are inspected on 14/02/2025
      Then no finding REG011 is raised for "Ada Example"

    Scenario: A bare letter is read in the regulations in force on the date
      Given "Ada Example" was deleted from the register on 14/10/2024 on ground "ground g"
      When the registers are inspected on 14/02/2025
      Then no finding REG011 is raised for "Ada Example"

  Rule: A ground must be recorded and readable

    Scenario: No ground recorded
      Given "Ada Example" was deleted from the register on 14/10/2024 on ground ""
      When the registers are inspected on 14/02/2025
      Then a red finding REG011 is raised for "Ada Example"
      And its summary says "with no ground recorded"

    Scenario: A reason in words instead of a ground
      Given "Ada Example" was deleted from the register on 14/10/2024 on ground "moved away"
      When the registers are inspected on 14/02/2025
      Then a red finding REG011 is raised for "Ada Example"
      And its summary says "not a deletion ground of either regulations"

    Scenario: A ground letter the regulations do not have
      Given "Ada Example" was deleted from the register on 14/10/2024 on ground "9(1)(p)"
      When the registers are inspected on 14/02/2025
      Then a red finding REG011 is raised for "Ada Example"

  Rule: Pupils not of compulsory school age are deleted under other paragraphs

    Scenario: A sixth-form pupil deleted under another paragraph
      Given the pupil "Cal Example" born 01/02/2007 in year 13 is on roll at the school
      And "Cal Example" was deleted from the register on 14/10/2024 on ground "9(3)(a)"
      When the registers are inspected on 14/02/2025
      Then no finding REG011 is raised for "Cal Example"

    Scenario: A sixth-form pupil deleted with no ground recorded
      Given the pupil "Cal Example" born 01/02/2007 in year 13 is on roll at the school
      And "Cal Example" was deleted from the register on 14/10/2024 on ground ""
      When the registers are inspected on 14/02/2025
      Then a red finding REG011 is raised for "Cal Example"
