package io.ambit.ca;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Ambit's certificate authority: signs SPIFFE X.509-SVIDs over Istio's CA API (issue 3 fills it). */
@SpringBootApplication
public class CaServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(CaServiceApplication.class, args);
    }
}
