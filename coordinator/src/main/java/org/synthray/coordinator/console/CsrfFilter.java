package org.synthray.coordinator.console;

import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.WithFormRead;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveContainerRequestContext;

/**
 * Refuses a console request that changes something (any method but GET and HEAD) unless it carries the
 * page's CSRF token, in the {@value CsrfTokens#FIELD} form field or the {@value CsrfTokens#HEADER}
 * header (htmx), equal to the CSRF cookie.
 */
public class CsrfFilter {
    @Inject
    CsrfTokens tokens;

    @CsrfChecked
    @WithFormRead
    @ServerRequestFilter
    public Response check(ResteasyReactiveContainerRequestContext request) {
        String method = request.getMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            return null;
        }
        String submitted = request.getHeaderString(CsrfTokens.HEADER);
        if (submitted == null) {
            Object field = ((ResteasyReactiveRequestContext) request.getServerRequestContext())
                    .getFormParameter(CsrfTokens.FIELD, true, false);
            submitted = field == null ? null : field.toString();
        }
        if (tokens.matches(submitted)) {
            return null;
        }
        return Response.status(Response.Status.FORBIDDEN).type(MediaType.TEXT_PLAIN_TYPE)
                .entity("Refused: this form is out of date or was not sent from the SynthRay console. Reload the page and try again.")
                .build();
    }
}
