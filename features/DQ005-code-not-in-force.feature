Feature: Attendance codes are the ones in force on the day
  The 2024 Regulations changed the codes on 19 August 2024: C2 (part-time timetable), K, Q, J1 and
  Y1-Y7 are new; H (holiday) and J and Y went. A code used on a date when it did not exist is an
  amber finding, one per pupil with the codes, counts and dates.

  Rule: A code outside the regulations of its date is an amber finding

    Scenario: C2 before the 2024 Regulations
      Given the pupil "Ada Example" is on roll at the school
      And the attendance register for "Ada Example" reads
        | week of    | Mon  | Tue | Wed | Thu | Fri |
        | 01/07/2024 | C2C2 | //  | //  | //  | //  |
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ005 is raised for "Ada Example"
      And its summary says "2 marks with codes not in force on their dates: C2 ×2 (2006 Regulations, 01/07/2024–01/07/2024)"

    Scenario: H after the 2024 Regulations
      Given the pupil "Ada Example" is on roll at the school
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 02/09/2024 | //  | HH  | HH  | //  | //  |
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ005 is raised for "Ada Example"
      And its evidence shows marks affected "4"

    Scenario: C2 after the 2024 Regulations and H before them are right
      Given the pupil "Ada Example" is on roll at the school
      And the attendance register for "Ada Example" reads
        | week of    | Mon  | Tue | Wed | Thu | Fri |
        | 15/07/2024 | HH   | //  | //  | //  | //  |
        | 02/09/2024 | C2C2 | //  | //  | //  | //  |
      When the registers are inspected on 24/01/2025
      Then no finding DQ005 is raised for "Ada Example"
