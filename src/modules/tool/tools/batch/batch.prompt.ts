export const BATCH_DESCRIPTION = `Run several independent tool calls at the same time and get all their results in one answer.

Use it for reads, searches and listings that do not depend on each other, e.g. reading three files or running two greps. Do not use it when one call needs the result of another; make those calls one after the other.

- Up to 25 calls; each is {"tool": "<name>", "parameters": {...}} with the same parameters the tool takes directly.
- Calls run in parallel and each result (or error) is reported under its index; one failure does not cancel the others.
- question, task, plan_enter, plan_exit and batch itself cannot be batched.`;
