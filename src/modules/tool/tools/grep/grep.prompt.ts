export const GREP_DESCRIPTION = `Searches the contents of files in the project with a regular expression.

- pattern is a regular expression (ripgrep / Rust syntax), e.g. "function\\s+\\w+" or "TODO|FIXME". Escape regex characters to match them literally, e.g. "interface\\{\\}".
- path is the folder (or single file) to search (default: the project root).
- include limits the search to files whose names match a glob, e.g. "*.ts" or "*.{js,jsx}".
- Matches are grouped by file (most recently modified files first) as "Line N: text", at most 100 matches in total.
- Use it to find where something is defined or used; to count lines or combine with other commands, use bash with rg. Then read the interesting files.`;
