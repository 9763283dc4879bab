Feature: Allocated places are matched to the register
  An allocation that matches no pupil by UPN, names or date of birth is a child who may never have
  arrived, or a spelling that keeps the match from being made: a green finding to look at.

  Rule: An allocation that matches nobody is a green finding

    Scenario: A child allocated a place and not on the register
      Given the pupil "Ada Example" born 01/02/2016 in year 4 is on roll at the school
      And the local authority's list of places allocated to the school
      And the local authority allocated "Cy Grey" born 01/05/2019 a place from 06/01/2025
      When the registers are inspected on 24/01/2025
      Then a green finding DQ007 is raised saying "The place allocated on 09/12/2024 to Grey, Cy"

    Scenario: An allocation that matches a pupil on roll
      Given the pupil "Ada Example" born 01/02/2016 in year 4 is on roll at the school
      And the local authority's list of places allocated to the school
      And the local authority allocated "ADA EXAMPLE" born 01/02/2016 a place from 06/01/2025
      When the registers are inspected on 24/01/2025
      Then no finding DQ007 is raised
