-- Classroom loop: assignments with starter files, each student's seeded copy, collections, teacher notes.
CREATE TABLE "Assignment" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "classId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "instructions" TEXT NOT NULL DEFAULT '',
    "policy" JSONB NOT NULL DEFAULT '{}',
    "starter" JSONB,
    "dueAt" TIMESTAMP(3),
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Assignment_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Assignment_tenantId_classId_idx" ON "Assignment"("tenantId", "classId");
CREATE INDEX "Assignment_dueAt_idx" ON "Assignment"("dueAt");
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_classId_fkey" FOREIGN KEY ("classId") REFERENCES "Class"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "AssignmentWork" (
    "assignmentId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "startCommit" TEXT,
    "openedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AssignmentWork_pkey" PRIMARY KEY ("assignmentId", "userId")
);
CREATE INDEX "AssignmentWork_tenantId_projectId_idx" ON "AssignmentWork"("tenantId", "projectId");
CREATE INDEX "AssignmentWork_tenantId_userId_idx" ON "AssignmentWork"("tenantId", "userId");
ALTER TABLE "AssignmentWork" ADD CONSTRAINT "AssignmentWork_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "AssignmentCollection" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "assignmentId" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "createdBy" TEXT,
    "summary" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AssignmentCollection_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "AssignmentCollection_tenantId_assignmentId_idx" ON "AssignmentCollection"("tenantId", "assignmentId");
ALTER TABLE "AssignmentCollection" ADD CONSTRAINT "AssignmentCollection_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "TeacherNote" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "authorId" TEXT,
    "text" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredFor" TEXT,
    "deliveredAt" TIMESTAMP(3),
    CONSTRAINT "TeacherNote_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "TeacherNote_tenantId_sessionId_idx" ON "TeacherNote"("tenantId", "sessionId");
ALTER TABLE "TeacherNote" ADD CONSTRAINT "TeacherNote_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "TeacherNote" ADD CONSTRAINT "TeacherNote_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
