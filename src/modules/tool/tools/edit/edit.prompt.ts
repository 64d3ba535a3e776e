export const EDIT_DESCRIPTION = `Replaces text in a file inside the project.

How to use it:
- Read the file first: you need its current text to pick oldString.
- oldString is the text to replace and newString its replacement. Copy oldString from the read output without the "N: " line-number prefixes, keeping the indentation exactly as it is after that prefix.
- The edit fails when oldString is not in the file, or when it occurs more than once. Add surrounding lines to make it unique, or set replaceAll to true to change every occurrence (handy for renaming).
- An empty oldString creates the file with newString as its content, or replaces everything in an existing file.
- Line endings (LF or CRLF) and a byte-order mark are kept as the file had them.
- Prefer editing existing files over creating new ones, and do not add emojis unless the user asks for them.`;
