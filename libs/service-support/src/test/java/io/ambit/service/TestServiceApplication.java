package io.ambit.service;

import java.util.List;

import io.ambit.service.security.Access;
import io.ambit.service.security.AccessRule;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A bare service, to check the shared defaults on their own, with a few endpoints of the kinds
 * services have: a read, a write, a read that a control-plane identity may also make, and a read
 * for admins only (like a debug page).
 */
@SpringBootApplication
class TestServiceApplication {

    @RestController
    static class Things {
        @GetMapping("/things")
        List<String> things() {
            return List.of("a", "b");
        }

        @PostMapping("/things")
        String add(@RequestBody String thing) {
            return "added " + thing;
        }

        @GetMapping("/things/by-node")
        List<String> byNode() {
            return List.of("a");
        }

        @GetMapping("/debug/things")
        String debug() {
            return "internals";
        }
    }

    @Bean
    AccessRule.Table thingRules() {
        return AccessRule.Table.of(
                AccessRule.of(HttpMethod.GET, "/things/by-node", Access.VIEWER).alsoFor("ca-service"),
                AccessRule.any("/debug/**", Access.ADMIN));
    }
}
