-- What the lemlist-compatible API serves. Public ids (cam_…, lea_…) are what clients see.
CREATE TABLE campaigns (
    id SERIAL PRIMARY KEY,
    public_id TEXT NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    timezone TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX campaigns_public_id ON campaigns (public_id);
CREATE INDEX campaigns_workspace ON campaigns (workspace_id, created_at);

CREATE TABLE leads (
    id SERIAL PRIMARY KEY,
    public_id TEXT NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    -- JSON object of string variables: firstName, lastName, companyName, custom ones
    variables TEXT NOT NULL,
    state TEXT NOT NULL,
    is_paused BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX leads_public_id ON leads (public_id);
CREATE UNIQUE INDEX leads_campaign_email ON leads (campaign_id, email);
CREATE INDEX leads_workspace_email ON leads (workspace_id, email);

CREATE TABLE activities (
    id SERIAL PRIMARY KEY,
    public_id TEXT NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    campaign_public_id TEXT,
    campaign_name TEXT,
    lead_public_id TEXT,
    lead_email TEXT,
    lead_first_name TEXT,
    lead_last_name TEXT,
    lead_company_name TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX activities_public_id ON activities (public_id);
CREATE INDEX activities_workspace ON activities (workspace_id, id);

CREATE TABLE unsubscribes (
    id SERIAL PRIMARY KEY,
    public_id TEXT NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX unsubscribes_public_id ON unsubscribes (public_id);
CREATE UNIQUE INDEX unsubscribes_workspace_value ON unsubscribes (workspace_id, value);
