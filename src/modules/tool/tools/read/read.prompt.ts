export const READ_DESCRIPTION = `Reads a file or lists a folder inside the project.

How to use it:
- filePath may be relative to the project root or an absolute path inside the project.
- By default up to 2000 lines are returned from the start of the file. For long files pass offset (the 1-based line number to start from) and limit (how many lines) to page through it; the output tells you which offset to use next.
- Every line is prefixed with its line number and a colon, like "12: const x = 1". The prefix is not part of the file: leave it out when you quote the text in an edit.
- Lines longer than 2000 characters are shortened, and one call returns at most 50 KB of text.
- Reading a folder returns its entries, one per line, with "/" after sub-folders.
- PNG, JPEG, GIF and WebP images and PDF documents are returned as attachments you can look at.
- Other binary files cannot be read.
- Reading several files you expect to need in one turn, with parallel calls, is faster than reading them one by one.
- Prefer the grep tool to find where something is, and read to look at it closely.`;
