Feature: Every UPN in the admission register is a valid unique pupil number
  A UPN is 13 characters: a check letter, then twelve characters from which the letter is
  calculated (the DfE's modulo-23 algorithm). A UPN whose letter does not agree was mistyped,
  and the returns and transfers that are matched on it will miss the child. This is good practice
  (should), not a legal duty, and an amber finding.

  Rule: A UPN whose check letter disagrees with its digits is an amber finding

    Scenario: A mistyped check letter
      Given the pupil "Ada Example" is on roll at the school with UPN "A801200005001"
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ001 is raised for "Ada Example"
      And its summary says "check letter A is wrong: the digits give B"

    Scenario: A valid UPN
      Given the pupil "Ada Example" is on roll at the school with UPN "B801200005001"
      When the registers are inspected on 24/01/2025
      Then no finding DQ001 is raised for "Ada Example"

    Scenario: A UPN of the wrong length
      Given the pupil "Ada Example" is on roll at the school with UPN "B80120000500"
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ001 is raised for "Ada Example"
      And its summary says "is not 13 characters"
