package org.synthray.blob;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import org.synthray.proto.blob.BlobServiceGrpc;
import org.synthray.proto.blob.DownloadRequest;
import org.synthray.proto.blob.DownloadResponse;
import org.synthray.proto.blob.UploadRequest;
import org.synthray.proto.blob.UploadResponse;

/**
 * Cheaper parsing of the blob service's chunk messages. grpc-java's protobuf marshaller copies a
 * message of up to 4 MiB into a reused buffer and then copies every {@code bytes} field out of it,
 * and reads larger messages through a small-buffer stream. This marshaller reads each message
 * once into its own array and lets {@code bytes} fields alias it: one copy per chunk instead of
 * two, whatever the chunk size. Used for what carries chunks: upload requests on the server,
 * download responses on the client. The bytes on the wire are the same.
 */
public final class BlobMarshalling {
    private BlobMarshalling() {
    }

    /** Upload, as the server should bind it (chunks parsed with aliasing). */
    public static final MethodDescriptor<UploadRequest, UploadResponse> UPLOAD = BlobServiceGrpc.getUploadMethod()
            .toBuilder(aliasing(UploadRequest.getDefaultInstance()), ProtoUtils.marshaller(UploadResponse.getDefaultInstance()))
            .build();

    /** Download, as the client should call it (chunks parsed with aliasing). */
    public static final MethodDescriptor<DownloadRequest, DownloadResponse> DOWNLOAD = BlobServiceGrpc.getDownloadMethod()
            .toBuilder(ProtoUtils.marshaller(DownloadRequest.getDefaultInstance()), aliasing(DownloadResponse.getDefaultInstance()))
            .build();

    /** A protobuf marshaller whose parsed {@code bytes} fields share one array per message. */
    public static <T extends com.google.protobuf.Message> MethodDescriptor.Marshaller<T> aliasing(T defaultInstance) {
        MethodDescriptor.Marshaller<T> plain = ProtoUtils.marshaller(defaultInstance);
        @SuppressWarnings("unchecked")
        Parser<T> parser = (Parser<T>) defaultInstance.getParserForType();
        return new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(T value) {
                return plain.stream(value);
            }

            @Override
            public T parse(InputStream stream) {
                if (!(stream instanceof KnownLength)) {
                    return plain.parse(stream);
                }
                try {
                    int size = stream.available();
                    if (size == 0) {
                        return defaultInstance;
                    }
                    byte[] buf = new byte[size];
                    int n = stream.readNBytes(buf, 0, size);
                    if (n != size || stream.read() != -1) {
                        throw new IOException("message size inaccurate: " + n + " != " + size);
                    }
                    // A ByteString over the array marks it immutable, so parsed bytes fields may alias it.
                    CodedInputStream in = UnsafeByteOperations.unsafeWrap(buf).newCodedInput();
                    in.enableAliasing(true);
                    in.setSizeLimit(Integer.MAX_VALUE);
                    T message = parser.parseFrom(in);
                    in.checkLastTagWas(0);
                    return message;
                } catch (InvalidProtocolBufferException e) {
                    throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
                } catch (IOException e) {
                    throw Status.INTERNAL.withDescription("cannot read message: " + e.getMessage()).withCause(e)
                            .asRuntimeException();
                }
            }
        };
    }

    /** The service definition with {@link #UPLOAD}'s marshallers for Upload, the rest unchanged. */
    @SuppressWarnings("unchecked")
    public static ServerServiceDefinition forServer(ServerServiceDefinition definition) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(definition.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : definition.getMethods()) {
            if (m.getMethodDescriptor().getFullMethodName().equals(UPLOAD.getFullMethodName())) {
                ServerMethodDefinition<UploadRequest, UploadResponse> upload =
                        (ServerMethodDefinition<UploadRequest, UploadResponse>) m;
                b.addMethod(UPLOAD, upload.getServerCallHandler());
            } else {
                b.addMethod(m);
            }
        }
        return b.build();
    }
}
