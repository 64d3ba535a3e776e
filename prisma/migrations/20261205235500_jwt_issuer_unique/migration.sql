-- An issuer belongs to one school. Tenants that shared an issuer could not sign anyone in already (the sign-in
-- refused an issuer claimed twice), so their JWT settings are dropped for the index to hold and their admins set
-- them again. The index makes two schools claiming one issuer at the same moment impossible.
UPDATE "Tenant"
SET "settings" = "settings" - 'jwt'
WHERE "settings" #>> '{jwt,issuer}' IN (
  SELECT "settings" #>> '{jwt,issuer}'
  FROM "Tenant"
  WHERE "settings" #>> '{jwt,issuer}' IS NOT NULL
  GROUP BY 1
  HAVING count(*) > 1
);

CREATE UNIQUE INDEX "Tenant_jwt_issuer_key" ON "Tenant" (("settings" #>> '{jwt,issuer}'));
