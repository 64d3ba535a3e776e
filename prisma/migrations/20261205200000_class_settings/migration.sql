-- Class settings: allow-lists of agents and models and permission rules for the class's students (they narrow the school's).
ALTER TABLE "Class" ADD COLUMN "settings" JSONB NOT NULL DEFAULT '{}';
