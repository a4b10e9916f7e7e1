package org.synthray.agent.flower;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.FlowerServiceGrpc;
import org.synthray.flower.proto.ServerMessage;

/**
 * Holds a site's {@code flwr.proto.FlowerService/Join} stream to a coordinator or a stock Flower
 * server, and keeps it up: the server sends first, each instruction gets exactly one reply, and
 * the session ends on {@code ReconnectIns}. A dropped connection is retried with exponential
 * backoff and jitter; {@code ReconnectIns{seconds > 0}} reconnects after that delay on a fresh
 * channel, as a stock Flower client does.
 *
 * <p>Instructions are handled on the thread that calls {@link #run()}, never on gRPC's event loop,
 * so hours of local training do not stall the transport.
 */
public final class FlowerConnection {
    private static final Logger LOG = Logger.getLogger(FlowerConnection.class.getName());

    /**
     * @param maxAttempts consecutive failed connection attempts before giving up; 0 retries forever
     */
    public record Options(String host, int port, String siteId, String runId, Duration initialBackoff,
                          Duration maxBackoff, int maxAttempts, io.grpc.CallCredentials credentials, java.nio.file.Path caFile) {
        public Options {
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, got " + port);
            }
        }

        public static Options of(String host, int port, String siteId) {
            return new Options(host, port, siteId, null, Duration.ofSeconds(1), Duration.ofSeconds(30), 0, null, null);
        }

        public Options withBackoff(Duration initial, Duration max, int attempts) {
            return new Options(host, port, siteId, runId, initial, max, attempts, credentials, caFile);
        }

        /** Joins this coordinator run (null: whichever run takes the site). */
        public Options withRun(String run) {
            return new Options(host, port, siteId, run, initialBackoff, maxBackoff, maxAttempts, credentials, caFile);
        }

        /**
         * Sends these credentials (bearer tokens) on every call, and uses TLS trusting {@code caFile}
         * when it is not null.
         */
        public Options withSecurity(io.grpc.CallCredentials creds, java.nio.file.Path ca) {
            return new Options(host, port, siteId, runId, initialBackoff, maxBackoff, maxAttempts, creds, ca);
        }
    }

    /** How a federation ended for this site. */
    public record Outcome(int sessions, int instructionsAnswered) {
    }

    private final FlowerClient client;
    private final Options options;
    private volatile boolean stopped;
    private volatile Thread runner;

    public FlowerConnection(FlowerClient client, Options options) {
        this.client = client;
        this.options = options;
    }

    /**
     * Connects and serves instructions until the server says to shut down ({@code ReconnectIns}
     * with 0 seconds) or {@link #stop()} is called.
     *
     * @throws ConnectionFailedException after {@code maxAttempts} consecutive failures
     */
    public Outcome run() throws InterruptedException {
        runner = Thread.currentThread();
        int failures = 0;
        int sessions = 0;
        int answered = 0;
        while (!stopped) {
            sessions++;
            Session s = new Session();
            SessionEnd end = s.serve();
            answered += s.answered;
            if (end.shutdown) {
                LOG.info(() -> "server ended the federation; disconnecting");
                return new Outcome(sessions, answered);
            }
            if (stopped) {
                break;
            }
            if (end.reconnectAfterSeconds >= 0) {
                failures = 0;
                long seconds = end.reconnectAfterSeconds;
                LOG.info(() -> "server asked to reconnect in " + seconds + " s");
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
                continue;
            }
            if (end.fatal) {
                throw new ConnectionFailedException("the coordinator at " + options.host() + ":" + options.port()
                        + " refused this site: " + end.error);
            }
            failures = s.answered > 0 ? 1 : failures + 1;
            if (options.maxAttempts() > 0 && failures >= options.maxAttempts()) {
                throw new ConnectionFailedException("cannot reach the coordinator at " + options.host() + ":"
                        + options.port() + " after " + failures + " attempts: " + end.error);
            }
            long delay = backoffMillis(failures);
            int attempt = failures;
            LOG.warning(() -> "connection to " + options.host() + ":" + options.port() + " lost (" + end.error
                    + "); retry " + attempt + " in " + delay + " ms");
            Thread.sleep(delay);
        }
        return new Outcome(sessions, answered);
    }

    /** Ends {@link #run()} from another thread (the current session is cancelled). */
    public void stop() {
        stopped = true;
        Thread t = runner;
        if (t != null) {
            t.interrupt();
        }
    }

    private long backoffMillis(int failures) {
        return org.synthray.agent.grpc.Backoff.millis(options.initialBackoff(), options.maxBackoff(), failures);
    }

    private record SessionEnd(boolean shutdown, long reconnectAfterSeconds, String error, boolean fatal) {
        SessionEnd(boolean shutdown, long reconnectAfterSeconds, String error) {
            this(shutdown, reconnectAfterSeconds, error, false);
        }

        static SessionEnd failed(String error) {
            return new SessionEnd(false, -1, error);
        }
    }

    /** One channel and one Join stream. */
    private final class Session {
        private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
        private int answered;

        SessionEnd serve() throws InterruptedException {
            ManagedChannel channel = org.synthray.agent.grpc.CoordinatorChannels.builder(options.host(), options.port(), options.caFile())
                    .maxInboundMessageSize(Integer.MAX_VALUE)
                    .build();
            try {
                Metadata headers = new Metadata();
                if (options.siteId() != null) {
                    headers.put(org.synthray.auth.CallerHeaders.SITE_ID, options.siteId());
                }
                if (options.runId() != null) { // stock Flower servers ignore it
                    headers.put(org.synthray.auth.CallerHeaders.RUN_ID, options.runId());
                }
                StreamObserver<ClientMessage> out = FlowerServiceGrpc.newStub(
                                org.synthray.agent.grpc.CoordinatorChannels.withCredentials(channel, options.credentials()))
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                        .join(new org.synthray.agent.grpc.QueueObserver<ClientMessage, ServerMessage>(inbox));
                return loop(out);
            } finally {
                // Graceful first, so a DisconnectRes just written still reaches the server.
                channel.shutdown();
                if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                    channel.awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }

        private SessionEnd loop(StreamObserver<ClientMessage> out) throws InterruptedException {
            while (true) {
                Object event = inbox.take();
                if (event instanceof Throwable t) {
                    if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == io.grpc.Status.Code.UNAUTHENTICATED
                            && options.credentials() instanceof org.synthray.auth.BearerCallCredentials b) {
                        b.tokens().invalidate(); // the next attempt fetches a fresh token
                    }
                    String tls = org.synthray.agent.grpc.CoordinatorChannels.tlsFailure(t, options.caFile());
                    return new SessionEnd(false, -1, tls != null ? tls : describe(t),
                            org.synthray.agent.grpc.CoordinatorChannels.isFatal(t, options.caFile()));
                }
                if (event instanceof Boolean) {
                    return SessionEnd.failed("server closed the stream without ReconnectIns");
                }
                ServerMessage msg = (ServerMessage) event;
                ClientMessage reply;
                try {
                    reply = client.handle(msg);
                } catch (FlowerClient.UnknownInstructionException e) {
                    LOG.warning("cannot answer server message: " + e.getMessage() + "; reconnecting");
                    out.onError(io.grpc.Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
                    return SessionEnd.failed(e.getMessage());
                }
                out.onNext(reply);
                answered++;
                if (msg.hasReconnectIns()) {
                    out.onCompleted();
                    long seconds = msg.getReconnectIns().getSeconds();
                    return seconds <= 0 ? new SessionEnd(true, -1, null) : new SessionEnd(false, seconds, null);
                }
            }
        }
    }

    private static String describe(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s.getStatus().getCode() + (s.getStatus().getDescription() != null
                    ? ": " + s.getStatus().getDescription() : "");
        }
        return t.toString();
    }

    /** The coordinator stayed unreachable for the configured number of attempts. */
    public static final class ConnectionFailedException extends RuntimeException {
        public ConnectionFailedException(String message) {
            super(message);
        }
    }
}
