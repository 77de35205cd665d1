package io.ambit.service.security;

import java.nio.charset.StandardCharsets;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * 401 and 403 as RFC 9457 problem details, saying what to send: a client (or {@code meshctl})
 * can tell "no or wrong token" from "token without the role" from "cannot reach".
 */
final class ProblemResponses {

    private ProblemResponses() {
    }

    /** RFC 6750 §3: {@code WWW-Authenticate: Bearer}, with {@code error="invalid_token"} when one was presented. */
    static final ServerAuthenticationEntryPoint UNAUTHORIZED = (exchange, e) -> {
        boolean presented = e instanceof BadCredentialsException;
        String challenge = presented ? "Bearer realm=\"ambit\", error=\"invalid_token\"" : "Bearer realm=\"ambit\"";
        exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, challenge);
        return write(exchange, HttpStatus.UNAUTHORIZED, presented ? e.getMessage()
                : "this endpoint needs a credential: send 'Authorization: Bearer <token>' (local mode: the admin token in "
                        + MeshSecurityProperties.DEFAULT_ADMIN_TOKEN_FILE + ", or the viewer token beside it)");
    };

    static final ServerAccessDeniedHandler FORBIDDEN = (exchange, e) -> exchange.getPrincipal()
            .map(p -> p.getName())
            .defaultIfEmpty("caller")
            .flatMap(name -> write(exchange, HttpStatus.FORBIDDEN, name + " may not " + exchange.getRequest().getMethod()
                    + " " + exchange.getRequest().getPath().value() + (MeshCaller.VIEWER.equals(name) ? ": this needs the admin role" : "")));

    private static Mono<Void> write(ServerWebExchange exchange, HttpStatus status, String detail) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        String json = "{\"type\":\"about:blank\",\"title\":\"" + status.getReasonPhrase() + "\",\"status\":" + status.value()
                + ",\"detail\":\"" + escape(detail) + "\",\"instance\":\"" + escape(exchange.getRequest().getPath().value()) + "\"}";
        DataBuffer body = response.bufferFactory().wrap(json.getBytes(StandardCharsets.UTF_8));
        return response.writeWith(Mono.just(body));
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
