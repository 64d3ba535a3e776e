// Question refusals. They extend PermissionRejectedError on purpose: the step processor stops the loop
// for that class (permission.errors.ts `stopsLoop`), and a dismissed question must end the turn exactly
// like a declined permission (OpenCode's QuestionRejectedError), without touching the permission module.
import { PermissionRejectedError } from '../permission/permission.errors';

export class QuestionRejectedError extends PermissionRejectedError {
  constructor(
    message = 'The user dismissed this question. Do not ask it again; stop and wait for the user to tell you how to continue.',
  ) {
    super('question');
    this.message = message;
    this.name = 'QuestionRejectedError';
  }
}

export class QuestionTimeoutError extends QuestionRejectedError {
  constructor(timeoutMs: number) {
    super(
      `Nobody answered this question within ${Math.round(timeoutMs / 1000)} s, so it was withdrawn. Stop and wait for the user.`,
    );
    this.name = 'QuestionTimeoutError';
  }
}
