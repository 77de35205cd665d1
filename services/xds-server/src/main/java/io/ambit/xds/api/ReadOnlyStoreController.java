package io.ambit.xds.api;

import java.net.URI;

import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Kubernetes mode: the API server is the store, and the xds-server only reads it (its RBAC asks for
 * no write on the mesh's kinds, so a stolen xds-server token cannot rewrite policy). A write sent
 * here, by {@code meshctl apply} or admin-ui, answers 501 with a problem detail saying to use
 * {@code kubectl}; nothing is changed. The writes still need {@code admin} (the shared access
 * table), so an unauthenticated caller learns nothing more than a 401.
 */
@RestController
@Profile("kubernetes")
@RequestMapping("/store")
public class ReadOnlyStoreController {

    static final String DETAIL = "the xds-server runs in Kubernetes mode: its store is the Kubernetes API server, "
            + "which it only reads; apply or delete with kubectl (kubectl apply -f FILE / kubectl delete -f FILE)";

    @PostMapping({"/apply", "/delete"})
    public ResponseEntity<ProblemDetail> refuse() {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_IMPLEMENTED, DETAIL);
        problem.setType(URI.create("https://ambit.io/problems/read-only-store"));
        problem.setTitle("The store is read-only here");
        return ResponseEntity.status(HttpStatus.NOT_IMPLEMENTED).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
