package org.synthray.coordinator.flower;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import jakarta.inject.Inject;
import org.synthray.coordinator.security.GrpcCaller;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.FlowerServiceGrpc;
import org.synthray.flower.proto.ServerMessage;

/**
 * {@code flwr.proto.FlowerService/Join}: every connecting client, SynthRay agent or stock Flower
 * client, becomes a {@link ClientProxy} in the {@link ClientRegistry}; the federation engine drives
 * it from there. Nothing here blocks the gRPC event loop.
 */
@GrpcService
public class FlowerJoinService implements FlowerServiceGrpc.AsyncService, io.grpc.BindableService {

    @Inject
    ClientRegistry registry;

    @Override
    public io.grpc.ServerServiceDefinition bindService() {
        return TolerantClientMessages.wrap(FlowerServiceGrpc.bindService(this));
    }

    @Override
    public StreamObserver<ClientMessage> join(StreamObserver<ServerMessage> responseObserver) {
        ServerCallStreamObserver<ServerMessage> out = (ServerCallStreamObserver<ServerMessage>) responseObserver;
        GrpcCaller caller = GrpcCaller.current();
        ClientProxy proxy = registry.register(caller.peer(), caller.siteId(), caller.runId(), out);
        out.setOnCancelHandler(() -> proxy.onStreamEnd(null));
        return new StreamObserver<>() {
            @Override
            public void onNext(ClientMessage value) {
                proxy.onClientMessage(value);
            }

            @Override
            public void onError(Throwable t) {
                proxy.onStreamEnd(t);
            }

            @Override
            public void onCompleted() {
                proxy.onStreamEnd(null);
            }
        };
    }
}
