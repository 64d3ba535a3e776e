export const TASK_DESCRIPTION = `Hand a self-contained piece of work to a subagent, which runs it in its own session and reports back.

Subagents always available:
- explore: fast, read-only research in the project (find files, search code, answer "where/how is X done").
- general: multi-step work that can also change files, for tasks that are independent of what you are doing.
Projects may configure more subagents; an unknown name returns the list of the ones you may use.

How to use it:
- Write the prompt as a complete brief: the goal, what you already know, which files matter, and exactly what the answer should contain. The subagent does not see this conversation.
- Start several tasks in the same message when they do not depend on each other.
- The result comes back as <task id="..."><task_result>...</task_result></task>. It is shown to you, not to the user: summarise what matters.
- Pass task_id with the id of an earlier task to continue that subagent's session with a follow-up.
- Do not use it for a single file read or a single search: call read, grep or glob yourself.`;
