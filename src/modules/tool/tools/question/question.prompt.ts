export const QUESTION_DESCRIPTION = `Ask the user one or more multiple-choice questions and wait for the answers.

Use it when you cannot go on without a decision only the user can make: an unclear requirement, a choice between approaches with real trade-offs, or a preference (naming, library, scope). Do not use it for things you can find out yourself by reading the code or running a command.

- Give each question a short header (at most 30 characters) and a few clear options, each with a one-line description. Put the option you recommend first.
- The user can always type their own answer instead of picking an option, so do not add an "Other" option.
- Set multiple: true when more than one option may be selected.
- The result lists the selected labels for each question, in order. If the user dismisses the question, stop and wait for their next message.`;
