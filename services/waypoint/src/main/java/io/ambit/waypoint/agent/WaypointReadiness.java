package io.ambit.waypoint.agent;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.EventListener;

import io.ambit.waypoint.config.WaypointConfigStore;

/**
 * Readiness ({@code /actuator/health/readiness} and {@code /healthz/ready}): refused until the
 * waypoint holds its certificate and has applied the first xDS answer of each type, so ztunnels
 * are never sent to a waypoint that knows no route or policy yet.
 */
public final class WaypointReadiness {

    private final WaypointAgent agent;
    private final ApplicationContext context;
    private volatile boolean started;
    private volatile boolean published;

    public WaypointReadiness(WaypointAgent agent, WaypointConfigStore store, ApplicationContext context) {
        this.agent = agent;
        this.context = context;
        store.onSnapshot(s -> check());
        agent.whenCertified().thenRun(this::check);
    }

    @EventListener
    void onReadiness(AvailabilityChangeEvent<ReadinessState> event) {
        if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC && !published) {
            started = true;
            if (!agent.ready()) {
                AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
            } else {
                published = true;
            }
        }
    }

    private void check() {
        if (started && !published && agent.ready()) {
            published = true;
            AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
        }
    }
}
