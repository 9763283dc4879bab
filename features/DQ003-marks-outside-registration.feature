Feature: Attendance marks belong to pupils on roll
  The attendance register records the pupils on the admission register, from their admission to
  their deletion. Marks outside that time mean a wrong admission or deletion date – the dates every
  statutory check relies on. One amber finding per pupil, with the count and the first and last
  dates; closure marks (#) are not counted.

  Background:
    Given the pupil "Ben Present" is on roll at the school
    And the attendance register for "Ben Present" reads
      | week of    | Mon | Tue | Wed | Thu | Fri |
      | 06/01/2025 | //  | //  | //  | //  | //  |
      | 13/01/2025 | //  | //  | //  | //  | //  |

  Rule: Marks after a deletion or before an admission are an amber finding

    Scenario: Marks go on after the deletion
      Given the pupil "Ada Example" is on roll at the school
      And "Ada Example" was deleted from the register on 10/01/2025 on ground "9(1)(a)"
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | //  | //  | //  | //  | //  |
        | 13/01/2025 | NN  | NN  | ##  |     |     |
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ003 is raised for "Ada Example"
      And its summary says "4 marks after the deletion, from 13/01/2025 to 14/01/2025"

    Scenario: Marks before the admission
      Given the pupil "Ada Example" was admitted on 08/01/2025
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | OO  | OO  | //  | //  | //  |
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ003 is raised for "Ada Example"
      And its summary says "4 marks before the admission"

    Scenario: Marks only while on roll
      Given the pupil "Ada Example" was admitted on 08/01/2025
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 |     |     | //  | //  | //  |
      When the registers are inspected on 24/01/2025
      Then no finding DQ003 is raised for "Ada Example"

  Rule: Marks for a UPN that is not in the admission register are an amber finding

    Scenario: A UPN in the attendance register only
      Given the attendance register for UPN "B801200005001" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | //  | //  |     |     |     |
      When the registers are inspected on 24/01/2025
      Then an amber finding DQ003 is raised saying "B801200005001 has 4 attendance marks but is not in the admission register"
