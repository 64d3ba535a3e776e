export const WRITE_DESCRIPTION = `Creates a file, or replaces the whole content of an existing one, inside the project.

How to use it:
- filePath may be relative to the project root or an absolute path inside the project. Missing parent folders are created.
- content is the complete new content of the file; anything previously in the file is lost.
- To change part of an existing file, use the edit tool instead: it is safer and cheaper than rewriting everything. Read a file before overwriting it so nothing is lost by accident.
- Only create documentation files (README, *.md) when the user asks for them.
- Do not put emojis in files unless the user asks for them.`;
