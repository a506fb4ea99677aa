-- Service keys are API keys of another kind: one table and one
-- implementation (lookup, expiry, revocation, last use, leak reports) for
-- both, instead of two copies. `kind` is 'api' for the keys applications
-- hand to their clients and 'service' for the bearer keys applications
-- present to `keysmith serve`; every statement names the kind it acts on,
-- so an API-key route can never reach a service key. A service key's
-- owner and name are the name it was given.
--
-- Instances of an earlier release cannot share a database migrated this
-- far (they read service_keys): upgrade every instance at once.

ALTER TABLE api_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'api';
INSERT INTO api_keys
    (id, key_hash, display_id, owner, prefix, scopes, created_at, revoked_at, tenant, name, kind)
SELECT id, key_hash, display_id, name, 'ks_svc', scopes, created_at, revoked_at, tenant, name,
       'service'
FROM service_keys;
DROP TABLE service_keys;
CREATE INDEX api_keys_kind ON api_keys (kind, tenant, created_at);
