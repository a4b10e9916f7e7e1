-- The consortium's sites, named by the site_id claim of their tokens: pending until an admin approves
-- them, revoked when an admin says so. Portable between PostgreSQL and H2.

CREATE TABLE sites (
    site_id        VARCHAR(64)   PRIMARY KEY,
    status         VARCHAR(20)   NOT NULL,
    first_subject  VARCHAR(255),
    enrolled_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    decided_at     TIMESTAMP WITH TIME ZONE,
    decided_by     VARCHAR(255),
    reason         VARCHAR(1000)
);
