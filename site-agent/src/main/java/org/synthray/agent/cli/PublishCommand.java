package org.synthray.agent.cli;

import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.publish.SetPublisher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code publish}: send a synthetic set (accepted images, manifest, set.json) to the coordinator. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Publish a synthetic set folder written by synthesize: only the images its manifest lists "
                + "(generated here and accepted by the privacy guard) and the manifest itself leave this machine. "
                + "Resumable: run it again after an interruption and it sends only what the coordinator lacks.")
public final class PublishCommand implements Callable<Integer> {

    @Parameters(paramLabel = "SET_DIR", description = "The set folder (with upload/set.json, upload/manifest.jsonl, "
            + "upload/images/, upload/dicom/).")
    Path dir;

    @Option(names = "--coordinator", required = true, paramLabel = "HOST:PORT",
            description = "Coordinator gRPC address, e.g. 127.0.0.1:9092.")
    String coordinator;

    @Option(names = "--site-id", required = true, description = "This site's id, as enrolled with the consortium.")
    String siteId;

    @picocli.CommandLine.Mixin
    CoordinatorAccess access = new CoordinatorAccess();

    @Option(names = "--check", description = "Only verify the folder; send nothing.")
    boolean checkOnly;

    @Override
    public Integer call() throws Exception {
        org.synthray.auth.CallerHeaders.requireSiteId(siteId, "--site-id");
        SetPublisher.PreparedSet prepared = SetPublisher.prepare(dir);
        long bytes = prepared.files().stream().mapToLong(f -> f.size()).sum();
        System.out.printf(Locale.ROOT, "set %s: %d images, %d files, %.1f MB, manifest head %s verified%n", dir,
                prepared.manifest().size(), prepared.files().size(), bytes / 1e6, prepared.manifest().head().substring(0, 12));
        if (checkOnly) {
            return 0;
        }
        int colon = coordinator.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--coordinator must be HOST:PORT, got '" + coordinator + "'");
        }
        String host = coordinator.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(coordinator.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--coordinator port must be a number, got '" + coordinator + "'");
        }
        io.grpc.CallCredentials creds = access.credentials(siteId);
        ManagedChannel channel = org.synthray.agent.grpc.CoordinatorChannels.builder(host, port, access.caFile)
                .maxInboundMessageSize(64 << 20).flowControlWindow(8 << 20).build();
        try (BlobClient blobs = new BlobClient(BlobClient.Options.of(host, port, siteId), () -> channel, null, creds)) {
            SetPublisher publisher = new SetPublisher(org.synthray.agent.grpc.CoordinatorChannels.withCredentials(channel, creds),
                    siteId, blobs, new SetPublisher.Listener() {
                int done;
                int total;

                @Override
                public void begun(String setId, int missing) {
                    total = missing;
                    System.out.printf("set %s: the coordinator lacks %d file(s)%n", setId, missing);
                }

                @Override
                public void uploaded(String path, long size, boolean deduplicated) {
                    done++;
                    if (done == total || done % 50 == 0) {
                        System.out.printf("  %d/%d sent (%s)%n", done, total, path);
                    }
                }
            });
            SetPublisher.Result r = publisher.publish(dir);
            System.out.printf(Locale.ROOT, "published set %s: %d images, %s (%d files, %.1f MB sent)%n", r.setId(),
                    r.images(), r.state(), r.filesSent(), r.bytesSent() / 1e6);
            return 0;
        } finally {
            channel.shutdownNow();
        }
    }
}
