// `general` has no prompt of its own (it uses the provider prompt); only its description is ours.
export const GENERAL_DESCRIPTION =
  'General-purpose agent for researching complex questions and carrying out multi-step tasks on its own. ' +
  'Use it to run several independent pieces of work in parallel.';
