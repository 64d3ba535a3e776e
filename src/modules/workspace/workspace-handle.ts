/** The confined view of a project's folder. All paths tools touch go through it. */
export interface WorkspaceHandle {
  /** Absolute, real path of the project's root folder. */
  readonly root: string;
  readonly tenantId: string;
  readonly projectId: string;
}
