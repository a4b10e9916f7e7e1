-- The provenance ledger: an append-only, hash-chained event log (docs/provenance.md).
-- Portable between PostgreSQL and H2.
--
-- Each event's hash is SHA-256(previous event's hash as 64 lowercase hex ‖ the event's canonical
-- JSON {"actor","payload","seq","time","type"}); the first event's previous hash is 64 zeros.

CREATE TABLE ledger_events (
    seq          BIGINT        PRIMARY KEY,
    recorded_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    actor        VARCHAR(200)  NOT NULL,
    event_type   VARCHAR(40)   NOT NULL,
    payload      VARCHAR(1000000) NOT NULL,
    prev_hash    VARCHAR(64)   NOT NULL,
    hash         VARCHAR(64)   NOT NULL
);
CREATE INDEX ledger_events_type_idx ON ledger_events (event_type, seq);

-- One row: the last event's sequence number and hash. Appenders lock it (SELECT ... FOR UPDATE),
-- which serialises appends on both databases and keeps sequence numbers gapless; verification reads
-- it to notice events cut off the end of the chain.
CREATE TABLE ledger_head (
    id    INTEGER      PRIMARY KEY,
    seq   BIGINT       NOT NULL,
    hash  VARCHAR(64)  NOT NULL,
    CONSTRAINT ledger_head_one_row CHECK (id = 1)
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
