package org.synthray.golden;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code flwr.proto.FlowerService/Join} with raw byte payloads: lets tests put exactly the bytes a
 * stock Flower peer sent on the wire, and see exactly the bytes SynthRay sends, with no protobuf
 * re-serialisation in between.
 */
public final class RawJoin {
    private RawJoin() {
    }

    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    public static final String SERVICE = "flwr.proto.FlowerService";

    public static final MethodDescriptor<byte[], byte[]> JOIN = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Join"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
}
