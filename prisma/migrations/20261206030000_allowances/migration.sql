-- Refilling allowances (token buckets) per student, class and school, next to the budgets' counters.
CREATE TABLE "Allowance" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "unit" TEXT NOT NULL,
    "capacity" DECIMAL(24,12) NOT NULL,
    "refill" DECIMAL(24,12) NOT NULL,
    "per" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Allowance_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Allowance_tenantId_scope_unit_key" ON "Allowance"("tenantId", "scope", "unit");
ALTER TABLE "Allowance" ADD CONSTRAINT "Allowance_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "AllowanceBucket" (
    "tenantId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "level" DECIMAL(24,12) NOT NULL,
    "refilledAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "AllowanceBucket_pkey" PRIMARY KEY ("tenantId", "key")
);
ALTER TABLE "AllowanceBucket" ADD CONSTRAINT "AllowanceBucket_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
