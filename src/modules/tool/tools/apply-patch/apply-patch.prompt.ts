export const APPLY_PATCH_DESCRIPTION = `Changes, creates, moves and deletes files in the project with one patch.

patchText is an envelope with one section per file:

*** Begin Patch
*** Add File: <path>
+every line of the new file, each prefixed with +
*** Delete File: <path>
*** Update File: <path>
*** Move to: <new path>            (optional: rename the file as well)
@@ <a line just above the change, e.g. the function it is in>
 a context line (starts with one space)
-a line to remove
+a line to add
*** End of File                    (optional: the hunk is at the very end of the file)
*** End Patch

Rules:
- Paths are relative to the project root (absolute paths inside the project also work).
- In an update, give about three unchanged lines before and after each change so the place is unambiguous; start another @@ hunk for a change further down. Hunks must appear in file order.
- Every section is checked before anything is written: if one hunk does not fit, no file is touched and the error says which file failed.
- Read files before patching them so the context lines match what is really there.`;
