export const LIST_DESCRIPTION = `Shows the files under a folder of the project as an indented tree.

- path is the folder to list (default: the project root); relative to the root or absolute inside the project.
- ignore is an optional list of extra glob patterns to leave out, e.g. ["*.log", "fixtures/**"].
- Dependency, build and tool folders (node_modules, .git, dist, build, __pycache__, .venv, ...) are always left out.
- At most 100 files are shown. To find files by name prefer glob; to search contents use grep.`;
