package org.synthray.coordinator.sets;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link SetDownloadBenchmark} with the S3 blob store, against s3proxy (over a filesystem) in the
 * same JVM: images are read from the bucket with ranged GETs while the ZIP is written.
 */
@QuarkusTest
@TestProfile(org.synthray.coordinator.testing.S3Profile.class)
@EnabledIfSystemProperty(named = "synthray.bench", matches = "true")
class SetDownloadS3Benchmark extends SetDownloadBenchmark {
}
