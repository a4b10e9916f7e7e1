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

    static Response json(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrorBody(message)).build();
    }
}
