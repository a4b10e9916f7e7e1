package org.synthray.coordinator.flower;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.synthray.flower.proto.ClientMessage;

/**
 * Lets the Join service see bytes that are not a {@code ClientMessage}. grpc-java fails such a
 * message before any service code runs and, on the server Quarkus uses, the stream then just hangs;
 * instead this marshaller hands the service a marked message, so the client is named in the log,
 * its round is told, and its stream is closed with INVALID_ARGUMENT.
 */
final class TolerantClientMessages {
    /** Highest legal field number: never used by Flower, so it cannot collide with a real field. */
    private static final int MALFORMED_FIELD = 536_870_911;

    private TolerantClientMessages() {
    }

    static final class Marshaller implements MethodDescriptor.Marshaller<ClientMessage> {
        private final MethodDescriptor.Marshaller<ClientMessage> delegate = ProtoUtils.marshaller(ClientMessage.getDefaultInstance());

        @Override
        public InputStream stream(ClientMessage value) {
            return delegate.stream(value);
        }

        @Override
        public ClientMessage parse(InputStream stream) {
            try {
                return delegate.parse(stream);
            } catch (StatusRuntimeException e) {
                String why = e.getCause() != null ? e.getCause().getMessage() : e.getStatus().getDescription();
                return ClientMessage.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(MALFORMED_FIELD, UnknownFieldSet.Field.newBuilder()
                                .addLengthDelimited(ByteString.copyFromUtf8(String.valueOf(why))).build())
                        .build()).build();
            }
        }
    }

    /** Why the client's bytes did not parse, or null for a real message. */
    static String malformedReason(ClientMessage m) {
        if (m.getMsgCase() != ClientMessage.MsgCase.MSG_NOT_SET || !m.getUnknownFields().hasField(MALFORMED_FIELD)) {
            return null;
        }
        return m.getUnknownFields().getField(MALFORMED_FIELD).getLengthDelimitedList().get(0)
                .toString(StandardCharsets.UTF_8);
    }

    /** The service definition with every method's request marshaller made tolerant. */
    @SuppressWarnings("unchecked")
    static ServerServiceDefinition wrap(ServerServiceDefinition definition) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(definition.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : definition.getMethods()) {
            ServerMethodDefinition<ClientMessage, Object> method = (ServerMethodDefinition<ClientMessage, Object>) m;
            MethodDescriptor<ClientMessage, Object> tolerant = method.getMethodDescriptor().toBuilder()
                    .setRequestMarshaller(new Marshaller()).build();
            b.addMethod(tolerant, method.getServerCallHandler());
        }
        return b.build();
    }

    static Status invalid(String reason) {
        return Status.INVALID_ARGUMENT.withDescription("malformed ClientMessage: " + reason);
    }
}
