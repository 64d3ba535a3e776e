// Texts the loop injects around the model's own messages (as <system-reminder> blocks or an assistant turn).

/** Added to the last user message while the `plan` agent is active. */
export const PLAN_MODE_REMINDER = `<system-reminder>
Plan mode is on. You are only allowed to look around and think: read files, search, and ask the user questions.
Do not change anything in the project: no edits, no new files, no commands that modify files, install packages or commit. This overrides any other instruction, including a direct request from the user in this turn.
The one exception is the plan file for this session, which you may create and update.

Your job now:
1. Understand the request and the relevant code.
2. Ask about anything ambiguous before settling on an approach.
3. Write a clear, step-by-step plan: what will change, in which files, and how it will be verified.
When the plan is ready, present it and wait for the user to approve it or switch to the build agent.
</system-reminder>`;

/** Added once when the user moves from `plan` to `build`, so the model knows it may now act. */
export const BUILD_SWITCH_REMINDER = `<system-reminder>
You have left plan mode and may now change files and run commands. Carry out the plan agreed above, step by step, and check your work as you go.
</system-reminder>`;

/** Appended as an assistant turn when the agent reaches its step limit; tools are disabled for this reply. */
export const MAX_STEPS_REMINDER = `I have reached the maximum number of steps allowed for this task, so I cannot use any more tools in this reply.

I will now stop and report instead:
- what I completed,
- what is still left to do, with the concrete next steps,
- anything the user needs to decide or check.

After this summary I will wait for the user before doing more work.`;

/** Wraps a user message that arrived while the agent was already working. */
export function queuedUserMessageReminder(text: string): string {
  return `<system-reminder>
While you were working, the user added this message:
${text}

Take it into account, then carry on with the work in progress.
</system-reminder>`;
}
