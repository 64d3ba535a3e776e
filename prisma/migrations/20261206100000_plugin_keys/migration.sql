-- Platform plugins (issue 22 item 4): the keys minted for a plugin's `client` name their plugin, so the expired ones
-- can be swept without touching a key a person created.
ALTER TABLE "ApiKey" ADD COLUMN "plugin" TEXT;
