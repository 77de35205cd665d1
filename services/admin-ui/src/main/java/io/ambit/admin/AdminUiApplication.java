package io.ambit.admin;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Ambit's dashboard ({@code /}) and REST admin API ({@code /api/v1}, described at {@code /v3/api-docs}). */
@SpringBootApplication
public class AdminUiApplication {

    public static void main(String[] args) {
        SpringApplication.run(AdminUiApplication.class, args);
    }
}
