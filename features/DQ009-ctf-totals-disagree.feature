Feature: A Common Transfer File's marks agree with its own totals
  A CTF holds each pupil's attendance marks as one string and the school's own session totals
  beside it. How the string is laid out is not published, so the marks are read every way they
  can be and the reading that gives the file's totals is kept. When none does, it is an amber
  finding naming the file, the pupil and the totals that disagree: the marks are never guessed
  silently. A pack of CSV exports has no such totals, so the rule is not checked for it.

  Rule: Marks that no reading makes agree with the file's totals are an amber finding

    Scenario: The totals count two closure days as attended
      Given the school's admission register and attendance come as the Common Transfer File "ctf25-totals-disagree.xml"
      When the registers are inspected on 15/09/2025
      Then an amber finding DQ009 is raised saying "the file's own totals are possible 20, attended 16, authorised 3, unauthorised 1"
      And its evidence shows The marks' totals "possible 16, attended 12, authorised 3, unauthorised 1"
      And its evidence shows Totals that differ "possible, attended"

    Scenario: The marks give the file's totals
      Given the school's admission register and attendance come as the Common Transfer File "ctf25-calendar-days.xml"
      When the registers are inspected on 15/09/2025
      Then no finding DQ009 is raised

    Scenario: A pack of CSV exports carries no totals to check
      Given the pupil "Ada Example" is on roll at the school
      When the registers are inspected on 15/09/2025
      Then rule DQ009 is reported as not checked because "no Common Transfer File in the pack"
