package io.ambit.admin.api;

import java.net.URI;

import io.ambit.admin.explain.ExplainException;
import io.ambit.admin.upstream.UpstreamException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ServerWebInputException;
import tools.jackson.databind.JsonNode;

/**
 * Every API error as an RFC 9457 problem detail ({@code application/problem+json}): a type URI per
 * kind of problem, a title, the detail naming what was wrong, and for refused parameters the
 * parameter. An upstream's refusal of a write (the store's 400 with its problem list) is passed
 * on as the caller's 400; a store that takes no writes (Kubernetes mode: use kubectl) as a 501 saying
 * so; an upstream that cannot be reached is a 502, never a stack trace.
 */
@RestControllerAdvice(basePackages = "io.ambit.admin.api")
class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);
    static final String TYPES = "https://ambit.io/problems/";

    @ExceptionHandler(BadRequestException.class)
    ResponseEntity<ProblemDetail> badRequest(BadRequestException e) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "bad-request", "Bad request", e.getMessage());
        problem.setProperty("parameter", e.parameter());
        return respond(problem);
    }

    @ExceptionHandler(ExplainException.class)
    ResponseEntity<ProblemDetail> explain(ExplainException e) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "unknown-reference", "Nothing of that name in the mesh", e.getMessage());
        problem.setProperty("parameter", e.parameter());
        return respond(problem);
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<ProblemDetail> notFound(NotFoundException e) {
        return respond(problem(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage()));
    }

    @ExceptionHandler(DataBufferLimitException.class)
    ResponseEntity<ProblemDetail> tooLarge(DataBufferLimitException e) {
        return respond(problem(HttpStatus.CONTENT_TOO_LARGE, "too-large", "Request body too large", e.getMessage()));
    }

    @ExceptionHandler(ServerWebInputException.class)
    ResponseEntity<ProblemDetail> input(ServerWebInputException e) {
        Throwable cause = e.getMostSpecificCause();
        if (cause instanceof DataBufferLimitException limit) {
            return tooLarge(limit);
        }
        return respond(problem(HttpStatus.BAD_REQUEST, "bad-request", "Bad request", e.getReason()));
    }

    @ExceptionHandler(DecodingException.class)
    ResponseEntity<ProblemDetail> decoding(DecodingException e) {
        return respond(problem(HttpStatus.BAD_REQUEST, "bad-request", "Bad request", e.getMessage()));
    }

    @ExceptionHandler(UpstreamException.class)
    ResponseEntity<ProblemDetail> upstream(UpstreamException e) {
        if (e.status() == 400) {
            ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "refused", "Refused by the config store",
                    e.upstream() + " refused the change; nothing was changed");
            try {
                JsonNode body = io.ambit.admin.upstream.Upstream.JSON.readTree(e.body());
                if (body.has("problems")) {
                    problem.setProperty("problems", body.path("problems"));
                }
            } catch (RuntimeException notJson) {
                problem.setProperty("upstreamBody", Params.truncate(e.body()));
            }
            return respond(problem);
        }
        if (e.status() == 501) {
            // the xds-server in Kubernetes mode: the API server is the store, writes go through kubectl
            String detail = e.upstream() + " does not take writes here";
            try {
                detail = io.ambit.admin.upstream.Upstream.JSON.readTree(e.body()).path("detail").asString(detail);
            } catch (RuntimeException notJson) {
                // keep the generic words
            }
            return respond(problem(HttpStatus.NOT_IMPLEMENTED, "read-only-store", "The store is read-only here", detail));
        }
        if (e.status() == 404) {
            return respond(problem(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage()));
        }
        if (e.status() == 401 || e.status() == 403) {
            HttpStatus status = HttpStatus.valueOf(e.status());
            return respond(problem(status, "upstream-refused", status.getReasonPhrase(),
                    e.upstream() + " answered HTTP " + e.status() + ": the credential used is not allowed there"));
        }
        log.warn("upstream: {}", e.getMessage());
        return respond(problem(HttpStatus.BAD_GATEWAY, "upstream", "Upstream unavailable", e.getMessage()));
    }

    private static ProblemDetail problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPES + type));
        problem.setTitle(title);
        return problem;
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
