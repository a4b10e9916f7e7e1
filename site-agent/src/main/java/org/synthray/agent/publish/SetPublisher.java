package org.synthray.agent.publish;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.blob.BlobSource;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.SetDescription;
import org.synthray.manifest.SetFiles;
import org.synthray.proto.sets.BeginSetRequest;
import org.synthray.proto.sets.BeginSetResponse;
import org.synthray.proto.sets.CommitSetRequest;
import org.synthray.proto.sets.CommitSetResponse;
import org.synthray.proto.sets.SetFile;
import org.synthray.proto.sets.SetUploadServiceGrpc;

/**
 * Publishes a synthetic set folder to the coordinator: only what {@code synthesize} put under
 * {@code <dir>/upload/} and its manifest lists.
 *
 * <p>What can leave the site is fixed before any byte is sent:
 * <ul>
 *   <li>{@code upload/set.json} must exist (it is written last: the set is complete) and agree with
 *       {@code upload/manifest.jsonl}, whose hash chain must verify and which lists only images the
 *       guard accepted;</li>
 *   <li>every file under {@code upload/images} and {@code upload/dicom} must be listed in the manifest
 *       (anything else — a copied training image, a stray file — stops the publish), must be a regular
 *       file (no links out of the folder), and must have the manifest's size and SHA-256;</li>
 *   <li>{@code <dir>/local/} (rejected images, logs) is never opened.</li>
 * </ul>
 * The coordinator checks the same again. Files travel through the blob service (resumable,
 * deduplicated); running publish again after an interruption sends only what the coordinator lacks.
 */
public final class SetPublisher {
    private static final Set<String> UPLOAD_ENTRIES = Set.of("images", "dicom", "manifest.jsonl", "set.json");

    /** Progress, on the publishing thread. */
    public interface Listener {
        default void verified(int files, long bytes) {
        }

        default void begun(String setId, int missing) {
        }

        default void uploaded(String path, long size, boolean deduplicated) {
        }
    }

    /** What was published. */
    public record Result(String setId, String state, int images, int filesSent, long bytesSent, String manifestHead) {
    }

    /** A set folder that may not be published, with the reason. */
    public static final class RefusedException extends IOException {
        public RefusedException(String message) {
            super(message);
        }
    }

    /** A set folder checked and ready to send. */
    public record PreparedSet(String setJson, String manifestText, Manifest manifest, SetDescription description,
                              Map<String, Path> paths, List<SetDescription.FileRef> files) {
    }

    private final io.grpc.Channel channel;
    private final String siteId;
    private final BlobClient blobs;
    private final Listener listener;

    /**
     * @param channel a channel to the coordinator's gRPC port (the blob client should use the same)
     * @param siteId  this site's id, sent as {@code synthray-site-id}
     */
    public SetPublisher(io.grpc.Channel channel, String siteId, BlobClient blobs, Listener listener) {
        this.channel = channel;
        this.siteId = siteId;
        this.blobs = blobs;
        this.listener = listener != null ? listener : new Listener() {
        };
    }

    /**
     * Checks a set folder without sending anything.
     *
     * @throws RefusedException when anything in {@code <dir>/upload} is not publishable
     */
    public static PreparedSet prepare(Path dir) throws IOException {
        Path upload = dir.resolve("upload");
        if (!Files.isDirectory(upload, LinkOption.NOFOLLOW_LINKS)) {
            throw new RefusedException(dir + " is not a synthetic set folder (no upload/ inside; synthesize writes one)");
        }
        Path setFile = upload.resolve("set.json");
        if (!Files.isRegularFile(setFile, LinkOption.NOFOLLOW_LINKS)) {
            throw new RefusedException(upload + " has no set.json: the set is not complete (synthesize writes it last)");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(upload)) {
            for (Path p : entries) {
                if (!UPLOAD_ENTRIES.contains(p.getFileName().toString())) {
                    throw new RefusedException("upload/" + p.getFileName() + " is not part of a synthetic set; "
                            + "upload/ may hold only images/, dicom/, manifest.jsonl and set.json");
                }
            }
        }
        String setJson = Files.readString(setFile, StandardCharsets.UTF_8);
        String manifestText = Files.readString(upload.resolve("manifest.jsonl"), StandardCharsets.UTF_8);
        Manifest manifest;
        SetDescription description;
        try {
            manifest = Manifest.read(new java.io.StringReader(manifestText));
            description = SetDescription.parse(setJson);
            description.checkAgainst(manifest);
        } catch (Manifest.ManifestException | IllegalArgumentException e) {
            throw new RefusedException("the set does not verify: " + e.getMessage());
        }
        List<SetDescription.FileRef> files = SetDescription.files(manifest);
        Map<String, SetDescription.FileRef> listed = SetFiles.listed(manifest);
        // Nothing in images/ or dicom/ that the manifest does not list.
        for (String folder : List.of("images", "dicom")) {
            Path d = upload.resolve(folder);
            if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                throw new RefusedException("upload/" + folder + " must be a folder");
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
                for (Path p : entries) {
                    String rel = folder + "/" + p.getFileName();
                    if (!listed.containsKey(rel)) {
                        throw new RefusedException("upload/" + rel + " is not listed in the manifest; only images the "
                                + "generator wrote and the guard accepted can be published");
                    }
                }
            }
        }
        // Every listed file present, a plain file, with the manifest's size and hash and the right kind.
        Map<String, Path> paths = new HashMap<>();
        for (SetDescription.FileRef f : files) {
            Path p = upload.resolve(f.path()).normalize();
            if (!p.startsWith(upload)) {
                throw new RefusedException(f.path() + " points outside the set folder");
            }
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new RefusedException("the manifest lists " + f.path() + " but upload/" + f.path() + " does not exist");
            }
            if (!a.isRegularFile()) {
                throw new RefusedException("upload/" + f.path() + " is not a regular file (links are not followed)");
            }
            if (a.size() != f.size()) {
                throw new RefusedException("upload/" + f.path() + " has " + a.size() + " bytes, the manifest says " + f.size());
            }
            checkKind(p, f.path());
            BlobRef actual = Sha256.of(p);
            if (!actual.sha256().equals(f.sha256())) {
                throw new RefusedException("upload/" + f.path() + " does not match its manifest hash (file "
                        + actual.sha256().substring(0, 12) + "…, manifest " + f.sha256().substring(0, 12) + "…)");
            }
            paths.put(f.path(), p);
        }
        return new PreparedSet(setJson, manifestText, manifest, description, paths, files);
    }

    private static void checkKind(Path p, String rel) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            SetFiles.checkKind("upload/" + rel, in);
        } catch (IllegalArgumentException e) {
            throw new RefusedException(e.getMessage());
        }
    }

    private SetUploadServiceGrpc.SetUploadServiceBlockingStub stub() {
        Metadata headers = new Metadata();
        headers.put(org.synthray.auth.CallerHeaders.SITE_ID, siteId);
        Channel c = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        return SetUploadServiceGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.MINUTES);
    }

    /** Checks the folder, declares the set, sends what the coordinator lacks, and commits. */
    public Result publish(Path dir) throws IOException {
        PreparedSet set = prepare(dir);
        if (!set.description().site().equals(siteId)) {
            throw new RefusedException("the set was generated by site " + set.description().site() + ", not " + siteId);
        }
        listener.verified(set.files().size(), set.files().stream().mapToLong(SetDescription.FileRef::size).sum());
        BeginSetRequest.Builder begin = BeginSetRequest.newBuilder().setSetJson(set.setJson())
                .setManifestJsonl(set.manifestText());
        for (SetDescription.FileRef f : set.files()) {
            begin.addFiles(SetFile.newBuilder().setPath(f.path()).setSha256(f.sha256()).setSize(f.size()));
        }
        BeginSetResponse begun;
        try {
            begun = stub().begin(begin.build());
        } catch (StatusRuntimeException e) {
            throw refused("the coordinator refused the set", e);
        }
        listener.begun(begun.getSetId(), begun.getMissingCount());
        int sent = 0;
        long bytes = 0;
        for (SetFile m : begun.getMissingList()) {
            Path p = set.paths().get(m.getPath());
            if (p == null) {
                throw new IOException("the coordinator asked for " + m.getPath() + ", which this set does not list");
            }
            BlobClient.UploadResult r = blobs.upload(BlobSource.of(p, new BlobRef(m.getSha256(), m.getSize())));
            listener.uploaded(m.getPath(), m.getSize(), r.deduplicated());
            sent++;
            bytes += r.bytesSent();
        }
        CommitSetResponse done;
        try {
            done = stub().commit(CommitSetRequest.newBuilder().setSetId(begun.getSetId()).build());
        } catch (StatusRuntimeException e) {
            throw refused("the coordinator did not accept set " + begun.getSetId(), e);
        }
        return new Result(done.getSetId(), done.getState(), done.getImages(), sent, bytes, done.getManifestHead());
    }

    private static IOException refused(String what, StatusRuntimeException e) {
        Status s = e.getStatus();
        String msg = what + ": " + (s.getDescription() != null ? s.getDescription() : s.getCode().toString());
        return switch (s.getCode()) {
            case INVALID_ARGUMENT, PERMISSION_DENIED, FAILED_PRECONDITION, NOT_FOUND, UNAUTHENTICATED ->
                    new RefusedException(msg + " (" + s.getCode() + ")");
            default -> new IOException(msg + " (" + s.getCode() + ")", e);
        };
    }
}
