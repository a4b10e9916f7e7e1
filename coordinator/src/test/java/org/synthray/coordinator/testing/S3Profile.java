package org.synthray.coordinator.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;

/** The coordinator with {@code synthray.blobs.store=s3} against a real S3 server (s3proxy). */
public class S3Profile implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(S3ProxyResource.class));
    }
}
