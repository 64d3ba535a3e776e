export interface InstructionFile {
  /** Shown to the model so it knows which file (or URL) the rules come from. */
  path: string;
  content: string;
}

/** One system section per instruction file (AGENTS.md, config `instructions`, ...); empty files are skipped. */
export function instructionBlocks(files: InstructionFile[]): string[] {
  return files
    .filter((f) => f.content.trim() !== '')
    .map((f) => `Instructions from: ${f.path}\n${f.content.replace(/\s+$/, '')}`);
}
