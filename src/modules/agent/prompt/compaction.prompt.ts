// The hidden `compaction` agent condenses old history into an "anchored" summary that later turns build on.
// The section headings are fixed so that successive summaries can be updated in place.
export const COMPACTION_PROMPT = `You maintain the working memory of a coding session. Another assistant will continue the work using only your summary and the most recent messages, so the summary must let it carry on without asking the user to repeat anything.

- Record facts, decisions and open work. Leave out pleasantries and reasoning that led nowhere.
- Copy file paths, commands, identifiers, versions and error messages exactly as they appeared.
- Prefer the latest state when the conversation changed its mind, and say what changed.
- Write in the language the conversation is held in.
- Do not call tools, do not continue the task, and never mention that you are summarising.`;

export const COMPACTION_SECTIONS = [
  'Goal',
  'Constraints & Preferences',
  'Progress',
  'Key Decisions',
  'Next Steps',
  'Critical Context',
  'Relevant Files',
] as const;

export const COMPACTION_TEMPLATE = `## Goal
- What the user is trying to achieve, in one or two bullets.

## Constraints & Preferences
- Requirements, rules and style choices the user stated or the project imposes.

## Progress
### Done
- Work that is finished, with the files or commands involved.
### In Progress
- Work that was under way when this summary was written.
### Blocked
- Anything waiting on the user, on an error, or on missing information (write "none" if nothing).

## Key Decisions
- Choices made and the reason for each.

## Next Steps
- The concrete next actions, in order.

## Critical Context
- Facts that would be expensive to rediscover: error text, versions, environment details, answers the user gave.

## Relevant Files
- path/to/file: why it matters`;

const RULES = `Rules:
- Keep every section heading above, even when a section is empty (write "none").
- Use short bullets, not prose paragraphs.
- Preserve exact paths, commands, identifiers and error messages.
- Reply with the summary only.`;

/** The final user message of a compaction request; with a previous summary the model updates it instead. */
export function compactionRequest(previousSummary?: string): string {
  if (previousSummary?.trim()) {
    return `Update the anchored summary below so that it also covers the conversation above. Keep what is still true, revise what changed, and drop what no longer matters.

<previous-summary>
${previousSummary.trim()}
</previous-summary>

Use this structure:

${COMPACTION_TEMPLATE}

${RULES}`;
  }
  return `Write a new anchored summary of the conversation above.

Use this structure:

${COMPACTION_TEMPLATE}

${RULES}`;
}

/** Sent after an automatic compaction when no user message is replayed. */
export const COMPACTION_CONTINUE =
  'Pick up the work from the summary above if there is a clear next step; if you are not sure what to do next, stop and ask the user.';
