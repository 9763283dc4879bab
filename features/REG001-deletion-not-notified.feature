Feature: Every deletion from the admission register is notified to the local authority
  A school tells the local authority when it deletes a pupil's name from the admission register,
  with the ground and where the child has gone: as soon as the ground is met and no later than
  the deletion itself. A deletion the local authority never heard of can hide a child missing
  education. Pupils leaving the school's most senior year group at the end of its last term are
  exempt.

  Background:
    Given the local authority's list of returns from the school

  Rule: A deletion with no deletion return held by the local authority is a red finding

    Scenario: A pupil deleted with no return
      Given the pupil "Ada Example" in year 4 is on roll at the school
      And "Ada Example" was deleted from the register on 10/01/2025 on ground "9(1)(g)"
      And the local authority holds no deletion return for "Ada Example"
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Ada Example"
      And its evidence shows 0 deletion returns held
      And its legal basis cites "SI 2024/208"

    Scenario: A return for another pupil does not count
      Given the pupil "Ada Example" in year 4 is on roll at the school
      And the pupil "Ben Other" in year 4 is on roll at the school
      And "Ada Example" was deleted from the register on 10/01/2025 on ground "9(1)(a)"
      And the local authority received a deletion return for "Ben Other" on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Ada Example"

  Rule: The return must arrive no later than the deletion

    Scenario Outline: A return received <when> the deletion
      Given the pupil "Ada Example" in year 4 is on roll at the school
      And "Ada Example" was deleted from the register on 10/01/2025 on ground "9(1)(a)"
      And the local authority received a deletion return for "Ada Example" on <received>
      When the registers are inspected on 24/01/2025
      Then <outcome>

      Examples:
        | when          | received   | outcome                                      |
        | the day before | 09/01/2025 | no finding REG001 is raised for "Ada Example" |
        | on the day of | 10/01/2025 | no finding REG001 is raised for "Ada Example" |
        | 3 days after  | 13/01/2025 | a red finding REG001 is raised for "Ada Example" |

    Scenario: A late return says how late it was
      Given the pupil "Ada Example" in year 4 is on roll at the school
      And "Ada Example" was deleted from the register on 10/01/2025 on ground "9(1)(a)"
      And the local authority received a deletion return for "Ada Example" on 13/01/2025
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Ada Example"
      And its evidence shows the return came 3 days after the deletion

  Rule: A return is matched by UPN, or by names and date of birth when it has no UPN

    Scenario: A return with no UPN, names written differently, matches the pupil
      Given the pupil "Zoë Smith-Jones" born 14/05/2016 in year 4 is on roll at the school
      And "Zoë Smith-Jones" was deleted from the register on 10/01/2025 on ground "reg 9(1)(f)"
      And the local authority received a deletion return with no UPN naming "ZOE SMITH JONES" born 14/05/2016 on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then no finding REG001 is raised for "Zoë Smith-Jones"

    Scenario: A return with the right names but another date of birth does not match
      Given the pupil "Zoë Smith-Jones" born 14/05/2016 in year 4 is on roll at the school
      And "Zoë Smith-Jones" was deleted from the register on 10/01/2025 on ground "9(1)(f)"
      And the local authority received a deletion return with no UPN naming "Zoe Smith-Jones" born 15/05/2016 on 10/01/2025
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Zoë Smith-Jones"

  Rule: Leavers from the most senior year group at the end of its last term are exempt

    Scenario: A Year 6 leaver deleted after the summer term needs no return
      Given the school's calendar ends the summer term on 22/07/2024
      And the pupil "Ada Example" in year 6 is on roll at the school
      And the pupil "Ben Younger" in year 5 is on roll at the school
      And "Ada Example" was deleted from the register on 31/08/2024 on ground "9(1)(a)"
      When the registers are inspected on 24/01/2025
      Then no finding REG001 is raised for "Ada Example"

    Scenario: A Year 6 pupil deleted during the year still needs a return
      Given the pupil "Ada Example" in year 6 is on roll at the school
      And "Ada Example" was deleted from the register on 10/01/2025 on ground "9(1)(a)"
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Ada Example"

    Scenario: A Year 5 pupil leaving at the end of the summer term still needs a return
      Given the school's calendar ends the summer term on 22/07/2024
      And the pupil "Ada Example" in year 5 is on roll at the school
      And the pupil "Ben Older" in year 6 is on roll at the school
      And "Ada Example" was deleted from the register on 31/08/2024 on ground "9(1)(a)"
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Ada Example"

  Rule: A deletion is judged by the regulations in force on the day of the deletion

    Scenario: A deletion before 19 August 2024 cites the 2006 Regulations
      Given the pupil "Ada Example" in year 4 is on roll at the school
      And "Ada Example" was deleted from the register on 12/07/2024 on ground "8(1)(b)"
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Ada Example"
      And its legal basis cites "SI 2006/1751"

    Scenario: A deletion from 19 August 2024 cites the 2024 Regulations
      Given the pupil "Ada Example" in year 4 is on roll at the school
      And "Ada Example" was deleted from the register on 02/09/2024 on ground "9(1)(a)"
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Ada Example"
      And its legal basis cites "SI 2024/208"

  Rule: Without the local authority's list of returns the rule is not checked

    Scenario: No returns file in the pack
      Given the pack holds no list of returns
      And the pupil "Ada Example" in year 4 is on roll at the school
      And "Ada Example" was deleted from the register on 10/01/2025 on ground "9(1)(g)"
      When the registers are inspected on 24/01/2025
      Then rule REG001 is reported as not checked because "no la_returns.csv in the pack"
      And no finding REG001 is raised for "Ada Example"

  Rule: A child deleted with no return is referred to the children missing education team

    Scenario: No return: the child is on the referral list
      Given the pupil "Ada Example" in year 4 is on roll at the school
      And "Ada Example" was deleted from the register on 10/01/2025 on ground "9(1)(g)"
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Ada Example"
      And it asks for a referral to the children missing education team

    Scenario: A late return: a breach, but the local authority knows of the child
      Given the pupil "Ada Example" in year 4 is on roll at the school
      And "Ada Example" was deleted from the register on 10/01/2025 on ground "9(1)(g)"
      And the local authority received a deletion return for "Ada Example" on 13/01/2025
      When the registers are inspected on 24/01/2025
      Then a red finding REG001 is raised for "Ada Example"
      And it does not ask for a referral to the children missing education team
