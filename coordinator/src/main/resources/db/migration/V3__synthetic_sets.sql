-- Synthetic sets published by sites: uploaded, reviewed by a consortium admin, released or rejected.
-- The images, the manifest and set.json are blobs (content-addressed); a row names them by hash.
-- Portable between PostgreSQL (production, tests) and H2 (the embedded default).

CREATE TABLE synthetic_sets (
    id                 VARCHAR(40)   PRIMARY KEY,
    site_id            VARCHAR(64)   NOT NULL,
    state              VARCHAR(20)   NOT NULL,
    model_sha256       VARCHAR(64)   NOT NULL,
    model_source       VARCHAR(1000),
    manifest_head      VARCHAR(64)   NOT NULL,
    manifest_sha256    VARCHAR(64)   NOT NULL,
    manifest_size      BIGINT        NOT NULL,
    set_json_sha256    VARCHAR(64)   NOT NULL,
    set_json           VARCHAR(1000000) NOT NULL,
    prompts            VARCHAR(100000) NOT NULL,
    prompts_search     VARCHAR(100000) NOT NULL,
    images             INTEGER       NOT NULL,
    dicom_images       INTEGER       NOT NULL,
    guard_rejected     INTEGER       NOT NULL,
    total_bytes        BIGINT        NOT NULL,
    sampler            VARCHAR(40),
    steps              INTEGER       NOT NULL,
    guidance           DOUBLE PRECISION NOT NULL,
    generated_at       VARCHAR(40),
    licence            VARCHAR(200),
    intended_use       VARCHAR(4000),
    decision_reason    VARCHAR(4000),
    decided_by         VARCHAR(200),
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    uploaded_at        TIMESTAMP WITH TIME ZONE,
    review_started_at  TIMESTAMP WITH TIME ZONE,
    decided_at         TIMESTAMP WITH TIME ZONE
);
CREATE UNIQUE INDEX synthetic_sets_site_head_idx ON synthetic_sets (site_id, manifest_head);
CREATE INDEX synthetic_sets_state_idx ON synthetic_sets (state);
