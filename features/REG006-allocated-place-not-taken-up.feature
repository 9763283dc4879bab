Feature: Every child allocated a place arrives, or the local authority is told
  When the local authority allocates a child a place, the school expects the child from an agreed
  day. A child who never appears in the admission register, or appears but does not attend within
  10 school days of the expected start, may be missing education: the school makes enquiries and
  tells the local authority (a no-show return). Allocations are matched to the register by UPN,
  or by names and date of birth, tolerant of case, spacing, hyphens, apostrophes and accents.

  Background:
    Given the local authority's list of places allocated to the school
    And the local authority's list of returns from the school

  Rule: An allocated child never entered in the register is a red finding

    Scenario: A child allocated for January who never arrived
      Given the local authority allocated "Sam Nobody" born 03/03/2016 a place from 06/01/2025
      When the registers are inspected on 14/03/2025
      Then a red finding REG006 is raised for "Sam Nobody"
      And its summary says "never been entered in the admission register"

    Scenario: The local authority was told the child did not arrive
      Given the local authority allocated "Sam Nobody" born 03/03/2016 a place from 06/01/2025
      And the local authority received a no-show return with no UPN naming "Sam Nobody" born 03/03/2016 on 10/01/2025
      When the registers are inspected on 14/03/2025
      Then no finding REG006 is raised for "Sam Nobody"

    Scenario: A place whose start date has not come is not judged
      Given the local authority allocated "Sam Nobody" born 03/03/2016 a place from 21/04/2025
      When the registers are inspected on 14/03/2025
      Then no finding REG006 is raised for "Sam Nobody"

  Rule: Names are matched however they are written

    Scenario: Accents, hyphens and case differ, the child attends
      Given the pupil "Zoë Smith-Jones" born 14/05/2016 in year 4 is on roll at the school
      And the local authority allocated "zoe smith jones" born 14/05/2016 a place from 06/01/2025
      And the attendance register for "Zoë Smith-Jones" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 14/03/2025
      Then no finding REG006 is raised for "Zoë Smith-Jones"

    Scenario: An apostrophe and spacing differ, the child never attends
      Given the pupil "Liam O'Neill" born 01/12/2015 in year 4 is on roll at the school
      And the local authority allocated "liam o neill" born 01/12/2015 a place from 06/01/2025
      And the attendance register for "Liam O'Neill" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | OO  | OO  | OO  | OO  | OO  |
      When the registers are inspected on 14/03/2025
      Then a red finding REG006 is raised for "Liam O'Neill"
      And its evidence shows the match was made by names and date of birth

  Rule: A child on roll must attend within the grace period

    Scenario: On roll by UPN, first attending on the tenth school day
      Given the pupil "Ada Example" is on roll at the school
      And the local authority allocated "Ada Example" a place from 06/01/2025 by UPN
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | //  |
      When the registers are inspected on 14/03/2025
      Then no finding REG006 is raised for "Ada Example"

    Scenario: On roll by UPN, first attending on the eleventh school day
      Given the pupil "Ada Example" is on roll at the school
      And the local authority allocated "Ada Example" a place from 06/01/2025 by UPN
      And the attendance register for "Ada Example" reads
        | week of    | Mon | Tue | Wed | Thu | Fri |
        | 06/01/2025 | NN  | NN  | OO  | OO  | OO  |
        | 13/01/2025 | OO  | OO  | OO  | OO  | OO  |
        | 20/01/2025 | //  | //  | //  | //  | //  |
      When the registers are inspected on 14/03/2025
      Then a red finding REG006 is raised for "Ada Example"
      And its evidence shows the match was made by upn

  Rule: Without the allocations list the rule is not checked

    Scenario: No allocations in the pack
      Given the pack holds no list of allocations
      And the pupil "Ada Example" is on roll at the school
      When the registers are inspected on 14/03/2025
      Then rule REG006 is reported as not checked because "no allocations.csv in the pack"
