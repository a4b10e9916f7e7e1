package org.synthray.coordinator.api;

import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** User errors become JSON {@code {"error": "..."}} with the right status, never a stack trace. */
public class ErrorMappers {

    public record ErrorBody(String error) {
    }

    @ServerExceptionMapper
    public Response badInput(IllegalArgumentException e) {
        return json(Response.Status.BAD_REQUEST, e.getMessage());
    }

    @ServerExceptionMapper
    public Response conflict(IllegalStateException e) {
        return json(Response.Status.CONFLICT, e.getMessage());
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return json(Response.Status.NOT_FOUND, e.getMessage());
    }

    @ServerExceptionMapper
    public Response noSuchSet(org.synthray.coordinator.sets.NoSuchSetException e) {
        return json(Response.Status.NOT_FOUND, e.getMessage());
    }

    @jakarta.inject.Inject
    org.synthray.coordinator.security.Caller caller;

    @jakarta.inject.Inject
    org.synthray.coordinator.security.SiteService sites;

    /**
     * An authenticated caller without the role an endpoint needs: 403, and the ledger records the
     * refusal (calls without a valid token get 401 from the authentication layer and no record).
     */
    @ServerExceptionMapper
    public io.smallrye.mutiny.Uni<Response> forbidden(io.quarkus.security.ForbiddenException e, jakarta.ws.rs.core.UriInfo uri,
                                                      jakarta.ws.rs.core.Request request) {
        Response refused = json(Response.Status.FORBIDDEN, "your roles do not allow this");
        String actor = caller.authenticatedActor().orElse(null);
        if (actor == null) {
            return io.smallrye.mutiny.Uni.createFrom().item(refused);
        }
        String call = request.getMethod() + " /" + uri.getPath().replaceFirst("^/", "");
        // The ledger write is blocking: off the event loop, and the answer waits for it.
        return io.smallrye.mutiny.Uni.createFrom().item(() -> {
            sites.recordRefusal(actor, call, "missing role for this endpoint");
            return refused;
        }).runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool());
    }

    static Response json(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrorBody(message)).build();
    }
}
