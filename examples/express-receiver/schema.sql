-- The receiver's schema. Applied at every start; every statement is idempotent.
-- One row per batch stored, under both of its identities: a batch already here (same signed
-- webhook-id, or same body) conflicts, and its events are not stored again.
-- Events point at their batch by batch_id without a foreign key: the one statement that stores a batch
-- stores its events (no event can exist without its batch), and the per-row check would cost a third
-- of the ingest rate.
CREATE TABLE IF NOT EXISTS webhook_batches (
  id           bigserial   PRIMARY KEY,
  webhook_id   text        UNIQUE,          -- the signed Standard Webhooks id; NULL for a hub-only request
  body_digest  text        NOT NULL UNIQUE, -- HMAC-SHA256 of the body, hex: the identity every request has
  received_at  timestamptz NOT NULL DEFAULT now(),
  meta         jsonb       NOT NULL,
  event_count  integer     NOT NULL
);

CREATE TABLE IF NOT EXISTS feature_events (
  batch_id      bigint      NOT NULL,
  position      integer     NOT NULL,        -- the event's index in its batch
  context_kind  text,
  user_key      text        NOT NULL,
  creation_date timestamptz,                 -- NULL when creation_secs is beyond year 9999
  creation_secs bigint      NOT NULL,        -- creationDate as sent: Unix seconds
  flag_key      text        NOT NULL,
  variation     text        NOT NULL,
  value         jsonb       NOT NULL,
  is_default    boolean     NOT NULL,
  version       text        NOT NULL,
  source        text        NOT NULL,
  metadata      jsonb,
  PRIMARY KEY (batch_id, position)
);
CREATE INDEX IF NOT EXISTS feature_events_flag_date ON feature_events (flag_key, creation_date);

CREATE TABLE IF NOT EXISTS tracking_events (
  batch_id               bigint      NOT NULL,
  position               integer     NOT NULL,
  context_kind           text,
  user_key               text        NOT NULL,
  creation_date          timestamptz,
  creation_secs          bigint      NOT NULL,
  event_key              text        NOT NULL,
  evaluation_context     jsonb,
  tracking_event_details jsonb,
  PRIMARY KEY (batch_id, position)
);
CREATE INDEX IF NOT EXISTS tracking_events_key_date ON tracking_events (event_key, creation_date);

-- One row per re-sent batch acknowledged as a duplicate: found by webhook_batches' unique keys
-- ('database', identities known), or by a replay store before the handler ran ('replay-store').
CREATE TABLE IF NOT EXISTS webhook_duplicates (
  received_at timestamptz NOT NULL DEFAULT now(),
  detected_by text        NOT NULL,
  webhook_id  text,
  body_digest text
);

-- Where a batch's copy came from, when a copy can arrive twice (a Kafka message read again after a
-- crash: topic/partition/offset). NULL for a batch posted straight to a receiver.
ALTER TABLE webhook_batches ADD COLUMN IF NOT EXISTS source text;
CREATE UNIQUE INDEX IF NOT EXISTS webhook_batches_source ON webhook_batches (source);

-- Feature events per minute (of creationDate; 'infinity' past year 9999), flag and variation: kept by
-- the statement that stores their batch (the store's rollup option), so they count each event once.
CREATE TABLE IF NOT EXISTS flag_minutes (
  minute    timestamptz NOT NULL,
  flag_key  text        NOT NULL,
  variation text        NOT NULL,
  events    bigint      NOT NULL,
  PRIMARY KEY (minute, flag_key, variation)
);

-- A duplicate's source, when it has one: a copy read again from Kafka is recorded once.
ALTER TABLE webhook_duplicates ADD COLUMN IF NOT EXISTS source text;
CREATE UNIQUE INDEX IF NOT EXISTS webhook_duplicates_source ON webhook_duplicates (source);
