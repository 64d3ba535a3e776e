-- AgentDefinition was never read or written: a school defines its agents in its tenant config layer
-- (`agent` key of the opencode.json document stored by PUT /config), which the agent service already merges.
DROP TABLE "AgentDefinition";
