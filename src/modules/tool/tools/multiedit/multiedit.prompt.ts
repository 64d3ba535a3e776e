export const MULTIEDIT_DESCRIPTION = `Makes several replacements in one file in a single step.

How to use it:
- filePath names the file; edits is a list of {oldString, newString, replaceAll?} objects that follow the same rules as the edit tool.
- The edits are applied one after another, each to the result of the previous one, so an edit must match the text as the earlier edits left it.
- Either every edit succeeds and the file is written once, or nothing is written and the error names the edit that failed.
- To create a file, make the first edit's oldString empty; its newString becomes the content.
- Use this instead of several edit calls when changing many places in the same file.`;
