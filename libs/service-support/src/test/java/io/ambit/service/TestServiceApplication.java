package io.ambit.service;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A bare service, to check the shared defaults on their own. */
@SpringBootApplication
class TestServiceApplication {
}
