-- Requests per minute moves from the budgets (a tenant-scope `requests_per_minute` row, counted per key) to the
-- school's abuse limits (Tenant.settings.limits.requestsPerMinute, counted per user, on by default). A school that
-- had set one keeps it, within the new bounds. 0 meant "unlimited", which no longer exists, so the default applies.
UPDATE "Tenant" t
   SET settings = jsonb_set(
         t.settings,
         '{limits}',
         COALESCE(t.settings -> 'limits', '{}'::jsonb)
           || jsonb_build_object('requestsPerMinute', LEAST(GREATEST(b."limit"::int, 10), 100000)))
  FROM "Budget" b
 WHERE b."tenantId" = t.id AND b.metric = 'requests_per_minute' AND b.scope = 'tenant' AND b."limit" > 0;

DELETE FROM "Budget" WHERE metric = 'requests_per_minute';
