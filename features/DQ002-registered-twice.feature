Feature: A pupil is in the admission register once for each time on roll
  A child who leaves and comes back has two entries, one after the other. Two entries open on the
  same days – under one UPN, or under two UPNs with the same names and date of birth – are a
  duplicate: an amber finding.

  Rule: Two registrations of one child open on the same days are an amber finding

    Scenario: The same UPN entered twice
      Given the pupil "Ada Example" is on roll at the school
      And "Ada Example" is entered in the register a second time on 06/01/2025
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ002 is raised for "Ada Example"
      And its summary says "both registrations are open from 06/01/2025 to 24/01/2025 (19 days)"

    Scenario: A pupil who left and came back is not a duplicate
      Given the pupil "Ada Example" is on roll at the school
      And "Ada Example" was deleted from the register on 20/12/2024 on ground "9(1)(a)"
      And "Ada Example" is entered in the register a second time on 06/01/2025
      When the registers are inspected on 24/01/2025
      Then no finding DQ002 is raised for "Ada Example"

    Scenario: The same child under two UPNs
      Given the pupil "Ada Example" is on roll at the school
      And the pupil "Ada Example" is also on roll under UPN "B801200005001" from 06/01/2025
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ002 is raised for "Ada Example"
      And its evidence shows other UPN "B801200005001"
