/**
 * What ends a run, as SQL: the lease, an abort asked for it and its take-over count go together, and only the
 * owner's. The release's own statement (RunLeaseRepository.release) and a loop's last write, which releases in the
 * same statement (MessageRepository.upsertMessageWithParts), both use it.
 */
export function leaseReleaseSql(idParam: string, ownerParam: string): string {
  return `UPDATE "Session" SET "runOwner" = NULL, "runLeaseUntil" = NULL, "runAbortAt" = NULL, "runResumes" = 0
       WHERE id = ${idParam} AND "runOwner" = ${ownerParam}`;
}
