Feature: Deletions in a pattern that may indicate off-rolling are raised for the officer to probe
  Off-rolling leaves no single unlawful deletion: it shows as a pattern. The policy looks at the
  school's deletions in the period (leavers at the end of compulsory schooling aside) and raises
  one school-level finding, never a verdict on a pupil, when at least 3 deletions show one of:
  the exam years (Years 10 and 11; Year 6 in a primary) holding twice their share of the roll or
  more; the school days up to the January census (the third Thursday of January) holding twice an
  even spread or more; elective home education deletions twice or more those of the same length of
  time before the period (here, from 05/02/2024 to 01/09/2024).

  Background:
    Given the inspection looks at events from 02/09/2024
    And the school has 20 pupils on roll in year 7
    And the school has 20 pupils on roll in year 8
    And the school has 20 pupils on roll in year 9
    And the school has 20 pupils on roll in year 10
    And the school has 20 pupils on roll in year 11

  Rule: Deletions concentrated in the exam years

    Scenario: Four deletions, all from Years 10 and 11, which are 40% of the roll
      Given 2 pupils in year 10 were deleted on 10/03/2025 on ground "9(1)(a)"
      And 2 pupils in year 11 were deleted on 05/11/2024 on ground "9(1)(g)"
      When the registers are inspected on 31/03/2025
      Then an amber finding REG015 is raised for the school
      And its summary says "were of pupils in Year 10 and Year 11, who are 40% of the roll"

    Scenario: Two exam-year deletions are too few to be a pattern
      Given 2 pupils in year 11 were deleted on 10/03/2025 on ground "9(1)(a)"
      When the registers are inspected on 31/03/2025
      Then no finding REG015 is raised for the school

    Scenario: Deletions spread across the years are no pattern
      Given 2 pupils in year 10 were deleted on 10/03/2025 on ground "9(1)(a)"
      And 1 pupils in year 11 were deleted on 05/11/2024 on ground "9(1)(a)"
      And 2 pupils in year 7 were deleted on 10/03/2025 on ground "9(1)(a)"
      And 2 pupils in year 8 were deleted on 05/11/2024 on ground "9(1)(a)"
      When the registers are inspected on 31/03/2025
      Then no finding REG015 is raised for the school

    Scenario: Year 11 leaving at the end of the school year is not off-rolling
      Given 4 pupils in year 11 were deleted on 23/07/2025 on ground "9(1)(a)"
      When the registers are inspected on 31/07/2025
      Then no finding REG015 is raised for the school

  Rule: Deletions concentrated before the January census

    Scenario: Three deletions in the days before the census
      Given 3 pupils in year 8 were deleted on 10/01/2025 on ground "9(1)(a)"
      When the registers are inspected on 31/03/2025
      Then an amber finding REG015 is raised for the school
      And its summary says "up to the January census (16/01/2025)"

    Scenario: The same deletions after the census are no pattern
      Given 3 pupils in year 8 were deleted on 17/01/2025 on ground "9(1)(a)"
      And 3 pupils in year 9 were deleted on 05/11/2024 on ground "9(1)(a)"
      When the registers are inspected on 31/03/2025
      Then no finding REG015 is raised for the school

  Rule: Elective home education deletions well above the school's own history

    Scenario: Three home education deletions this year and none the year before
      Given 3 pupils in year 8 were deleted on 05/11/2024 on ground "9(1)(f)"
      When the registers are inspected on 31/03/2025
      Then an amber finding REG015 is raised for the school
      And its summary says "were to elective home education, against 0"

    Scenario: Three this year against two the year before
      Given 3 pupils in year 8 were deleted on 05/11/2024 on ground "9(1)(f)"
      And 2 pupils in year 9 were deleted on 04/03/2024 on ground "8(1)(d)"
      When the registers are inspected on 31/03/2025
      Then no finding REG015 is raised for the school
