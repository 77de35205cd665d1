package io.ambit.ztunnel.agent;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Readiness ({@code /actuator/health/readiness} and Istio's {@code /healthz/ready}): ztunnel
 * refuses traffic until it holds its own certificate and has applied the control plane's first
 * answer of each type, so a pod is never reported served by a ztunnel that knows no policy yet.
 */
@Component
class ZtunnelReadiness {

    private final NodeAgent agent;
    private final ApplicationContext context;
    private volatile boolean started;

    ZtunnelReadiness(NodeAgent agent, ApplicationContext context) {
        this.agent = agent;
        this.context = context;
        agent.whenReady().thenRun(this::ready);
    }

    @EventListener
    void onReadiness(AvailabilityChangeEvent<ReadinessState> event) {
        if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC) {
            started = true;
            if (!agent.ready()) {
                AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
            }
        }
    }

    private void ready() {
        if (started) {
            AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
        }
    }
}
