-- The model index: every model the coordinator holds (uploaded base models, run versions), named by
-- its model identity (org.synthray.tensor.ModelId) and kept as a canonical .npz in the blob store.
CREATE TABLE models (
    id              VARCHAR(64)   PRIMARY KEY,
    blob_sha256     VARCHAR(64)   NOT NULL,
    size_bytes      BIGINT        NOT NULL,
    tensor_count    INTEGER       NOT NULL,
    parameter_count BIGINT        NOT NULL,
    config_name     VARCHAR(60),
    provenance      VARCHAR(20000),
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX models_config_idx ON models (config_name);
