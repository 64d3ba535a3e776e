export const PLAN_ENTER_DESCRIPTION = `Offer the user to switch to the plan agent before making changes.

Use it when the request is large or unclear enough that a written plan should come first (many files, a design decision, a risky migration). The user is asked; if they agree, the plan agent takes over, researches the code and writes the plan without editing other files. If they decline, continue the work yourself.`;

export const PLAN_EXIT_DESCRIPTION = `Present the finished plan and ask the user to approve it.

Call it once the plan file is complete. The user is asked whether to switch to the build agent; if they approve, the build agent carries out the plan. If they want changes, keep planning and ask what to adjust.`;
