Feature: A match made other than by UPN says so
  Returns and allocations are matched to the register by UPN. Where the match had to be made on
  names and date of birth, the finding says so (green); where the record could be several pupils,
  matches only in part, or carries a UPN registered under other names, it is amber, with the
  candidates.

  Background:
    Given the local authority's list of returns from the school
    And the pupil "Zoë Smith-Jones" born 14/05/2016 in year 4 is on roll at the school

  Rule: A match on names and date of birth alone is a green finding

    Scenario: A return with no UPN matched on names
      Given the local authority received a deletion return with no UPN naming "ZOE SMITH JONES" born 14/05/2016 on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then a green finding DQ008 is raised saying "on names and date of birth only"

    Scenario: A return with the pupil's UPN is certain
      Given the local authority received a deletion return for "Zoë Smith-Jones" on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then no finding DQ008 is raised

  Rule: An ambiguous, partial or contradicted match is an amber finding with the candidates

    Scenario: Two pupils with the same names and date of birth
      Given the pupil "Zoë Smith-Jones" is also on roll under UPN "B801200005001"
      And the local authority received a deletion return with no UPN naming "Zoe Smith-Jones" born 14/05/2016 on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ008 is raised saying "matches 2 pupils with the same names and date of birth"
      And its summary says "B801200005001 (Smith-Jones, Zoë, born 14/05/2016)"

    Scenario: Names agree but the date of birth does not
      Given the local authority received a deletion return with no UPN naming "Zoe Smith-Jones" born 15/05/2016 on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ008 is raised saying "partly matches 1 pupil"

  Rule: Without the local authority's lists there is nothing to match, and the rule is not checked

    Scenario: No list of returns and no list of allocations in the pack
      Given the pack holds no list of returns
      And the pack holds no list of allocations
      When the registers are inspected on 24/01/2025
      Then rule DQ008 is reported as not checked because "no la_returns.csv or allocations.csv in the pack"
