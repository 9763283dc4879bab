Feature: Every local-authority return is about a pupil in the register
  A return whose UPN is not in the admission register, and whose names and date of birth match
  nobody even in part, is invisible to the checks that need it: an amber finding.

  Background:
    Given the local authority's list of returns from the school
    And the pupil "Ada Example" born 01/02/2016 in year 4 is on roll at the school

  Rule: A return that matches no pupil is an amber finding

    Scenario: A return for a child the register does not know
      Given the local authority received a deletion return with UPN "B801200005001" naming "Cy Nobody" born 03/04/2015 on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ006 is raised saying "for Nobody, Cy, UPN B801200005001, matches no pupil in the admission register"

    Scenario: A return for a pupil on roll
      Given the local authority received a deletion return for "Ada Example" on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then no finding DQ006 is raised

    Scenario: A no-show return is about a child who never came onto the register
      Given the local authority received a no_show return with UPN "B801200005001" naming "Cy Nobody" born 03/04/2015 on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then no finding DQ006 is raised
