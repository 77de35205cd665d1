package io.ambit.xds.api;

import io.ambit.xds.ads.AdsServer;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Ready means: the store has synced (both backends finish their initial load before the context
 * starts) and the ADS listener is open (which waits for the server's certificate from the CA).
 * Spring reports ready once started; if the listener is not open yet this takes it back, and
 * reports ready when the listener opens.
 */
@Component
class XdsReadiness {

    private final AdsServer server;
    private final ApplicationContext context;
    private volatile boolean started;

    XdsReadiness(AdsServer server, ApplicationContext context) {
        this.server = server;
        this.context = context;
        server.onServing(this::serving);
    }

    @EventListener
    void onReadiness(AvailabilityChangeEvent<ReadinessState> event) {
        if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC) {
            started = true;
            if (!server.serving()) {
                AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
            }
        }
    }

    private void serving() {
        if (started) {
            AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
        }
    }
}
