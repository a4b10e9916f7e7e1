package org.synthray.coordinator.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Starts s3proxy for a test profile and points the coordinator's blob store at it. */
public class S3ProxyResource implements QuarkusTestResourceLifecycleManager {
    public static final String BUCKET = "synthray-sets-test";
    private S3ProxyServer server;
    private static volatile Path base;

    /** The folder s3proxy keeps its buckets in (one folder per bucket, one file per key). */
    public static Path base() {
        return base;
    }

    @Override
    public Map<String, String> start() {
        try {
            base = Files.createTempDirectory("s3proxy-quarkus");
            server = S3ProxyServer.start(base);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start s3proxy", e);
        }
        return Map.of(
                "synthray.blobs.store", "s3",
                "synthray.blobs.s3.endpoint", server.endpoint().toString(),
                "synthray.blobs.s3.bucket", BUCKET,
                "synthray.blobs.s3.region", "us-east-1",
                "synthray.blobs.s3.access-key-id", S3ProxyServer.ACCESS_KEY,
                "synthray.blobs.s3.secret-access-key", S3ProxyServer.SECRET_KEY,
                "synthray.blobs.s3.path-style", "true",
                "synthray.blobs.s3.create-bucket", "true",
                "synthray.blobs.s3.key-prefix", "synthray/");
    }

    @Override
    public void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
