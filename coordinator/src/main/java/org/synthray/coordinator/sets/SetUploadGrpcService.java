package org.synthray.coordinator.sets;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import org.synthray.coordinator.security.GrpcCaller;
import org.synthray.coordinator.sets.SetIntakeService.Declared;
import org.synthray.manifest.SetDescription.FileRef;
import org.synthray.proto.sets.BeginSetRequest;
import org.synthray.proto.sets.BeginSetResponse;
import org.synthray.proto.sets.CommitSetRequest;
import org.synthray.proto.sets.CommitSetResponse;
import org.synthray.proto.sets.SetFile;
import org.synthray.proto.sets.SetUploadServiceGrpc;

/**
 * {@code synthray.v1.SetUploadService}: sites declare and commit synthetic sets (files go through
 * the blob service). Verification reads blobs and the database, so every call runs on a small pool of
 * its own, never on gRPC's event loop; the site id is read on the call's thread first.
 */
@GrpcService
public class SetUploadGrpcService implements SetUploadServiceGrpc.AsyncService, io.grpc.BindableService {
    private static final Logger LOG = Logger.getLogger(SetUploadGrpcService.class.getName());

    @Inject
    SetIntakeService sets;

    @Inject
    SetsConfig config;

    private ExecutorService workers;

    @Override
    public io.grpc.ServerServiceDefinition bindService() {
        return SetUploadServiceGrpc.bindService(this);
    }

    @PostConstruct
    void start() {
        AtomicInteger n = new AtomicInteger();
        int threads = Math.max(1, config.workerThreads());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "set-upload-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        workers = pool;
    }

    @PreDestroy
    void stop() {
        workers.shutdown();
    }

    @Override
    public void begin(BeginSetRequest request, StreamObserver<BeginSetResponse> out) {
        String site = GrpcCaller.current().siteId();
        workers.execute(() -> {
            try {
                List<FileRef> files = request.getFilesList().stream()
                        .map(f -> new FileRef(f.getPath(), f.getSha256(), f.getSize())).toList();
                Declared d = sets.begin(site, request.getSetJson(), request.getManifestJsonl(), files);
                BeginSetResponse.Builder r = BeginSetResponse.newBuilder().setSetId(d.setId()).setState(d.state().wire());
                for (FileRef f : d.missing()) {
                    r.addMissing(SetFile.newBuilder().setPath(f.path()).setSha256(f.sha256()).setSize(f.size()));
                }
                LOG.info(() -> "site " + site + " declared set " + d.setId() + " (" + d.state().wire() + ", "
                        + d.missing().size() + " file(s) to upload)");
                out.onNext(r.build());
                out.onCompleted();
            } catch (Exception e) {
                fail(out, site, "declare a set", e);
            }
        });
    }

    @Override
    public void commit(CommitSetRequest request, StreamObserver<CommitSetResponse> out) {
        String site = GrpcCaller.current().siteId();
        workers.execute(() -> {
            try {
                SetView v = sets.commit(site, request.getSetId());
                LOG.info(() -> "site " + site + " committed set " + v.id() + ": " + v.images() + " images, " + v.state());
                out.onNext(CommitSetResponse.newBuilder().setSetId(v.id()).setState(v.state()).setImages(v.images())
                        .setManifestHead(v.manifestHead()).build());
                out.onCompleted();
            } catch (Exception e) {
                fail(out, site, "commit set " + request.getSetId(), e);
            }
        });
    }

    private static void fail(StreamObserver<?> out, String site, String what, Exception e) {
        Status s;
        if (e instanceof SecurityException) {
            s = site == null ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED;
        } else if (e instanceof NoSuchSetException) {
            s = Status.NOT_FOUND;
        } else if (e instanceof IllegalArgumentException) {
            s = Status.INVALID_ARGUMENT;
        } else if (e instanceof IllegalStateException) {
            s = Status.FAILED_PRECONDITION;
        } else {
            LOG.warning(() -> "cannot " + what + " for site " + site + ": " + e);
            s = Status.INTERNAL;
        }
        LOG.info(() -> "refused to " + what + " for site " + site + ": " + e.getMessage());
        out.onError(s.withDescription(e.getMessage()).asRuntimeException());
    }
}
