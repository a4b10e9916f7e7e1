-- Federated runs, their rounds, each site's part in every round, and the model versions they made.
-- Portable between PostgreSQL (production, tests) and H2 (the embedded default).

CREATE TABLE runs (
    id                   VARCHAR(40)   PRIMARY KEY,
    name                 VARCHAR(200)  NOT NULL,
    spec                 VARCHAR(1000000) NOT NULL,
    state                VARCHAR(20)   NOT NULL,
    strategy             VARCHAR(60)   NOT NULL,
    rounds_total         INTEGER       NOT NULL,
    last_completed_round INTEGER       NOT NULL DEFAULT 0,
    global_model_sha256  VARCHAR(64),
    strategy_state_sha256 VARCHAR(64),
    failure_reason       VARCHAR(4000),
    created_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at           TIMESTAMP WITH TIME ZONE,
    finished_at          TIMESTAMP WITH TIME ZONE
);
CREATE INDEX runs_state_idx ON runs (state);

CREATE SEQUENCE rounds_seq START WITH 1 INCREMENT BY 50;
CREATE TABLE rounds (
    id              BIGINT        PRIMARY KEY,
    run_id          VARCHAR(40)   NOT NULL REFERENCES runs (id),
    round_number    INTEGER       NOT NULL,
    attempt         INTEGER       NOT NULL,
    outcome         VARCHAR(20)   NOT NULL,
    sites_asked     INTEGER       NOT NULL,
    sites_answered  INTEGER       NOT NULL,
    sites_rejected  INTEGER       NOT NULL,
    sites_failed    INTEGER       NOT NULL,
    train_loss      DOUBLE PRECISION,
    eval_loss       DOUBLE PRECISION,
    eval_examples   BIGINT        NOT NULL,
    bytes_in        BIGINT        NOT NULL,
    bytes_out       BIGINT        NOT NULL,
    duration_ms     BIGINT        NOT NULL,
    model_sha256    VARCHAR(64),
    metrics         VARCHAR(100000),
    finished_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX rounds_run_idx ON rounds (run_id, round_number);

CREATE SEQUENCE participations_seq START WITH 1 INCREMENT BY 50;
CREATE TABLE participations (
    id             BIGINT        PRIMARY KEY,
    run_id         VARCHAR(40)   NOT NULL REFERENCES runs (id),
    round_number   INTEGER       NOT NULL,
    site_id        VARCHAR(200)  NOT NULL,
    phase          VARCHAR(10)   NOT NULL,
    outcome        VARCHAR(10)   NOT NULL,
    reason         VARCHAR(4000),
    num_examples   BIGINT,
    loss           DOUBLE PRECISION,
    metrics        VARCHAR(100000),
    update_sha256  VARCHAR(64),
    recorded_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX participations_run_idx ON participations (run_id, round_number);

CREATE SEQUENCE model_versions_seq START WITH 1 INCREMENT BY 50;
CREATE TABLE model_versions (
    id             BIGINT        PRIMARY KEY,
    sha256         VARCHAR(64)   NOT NULL,
    size_bytes     BIGINT        NOT NULL,
    tensor_count   INTEGER       NOT NULL,
    parameter_count BIGINT       NOT NULL,
    kind           VARCHAR(20)   NOT NULL,
    run_id         VARCHAR(40)   REFERENCES runs (id),
    round_number   INTEGER       NOT NULL,
    parent_sha256  VARCHAR(64),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX model_versions_sha_idx ON model_versions (sha256);
CREATE UNIQUE INDEX model_versions_run_round_idx ON model_versions (run_id, round_number);

CREATE SEQUENCE model_version_updates_seq START WITH 1 INCREMENT BY 50;
CREATE TABLE model_version_updates (
    id               BIGINT       PRIMARY KEY,
    model_version_id BIGINT       NOT NULL REFERENCES model_versions (id),
    site_id          VARCHAR(200) NOT NULL,
    update_sha256    VARCHAR(64)  NOT NULL,
    num_examples     BIGINT       NOT NULL
);
