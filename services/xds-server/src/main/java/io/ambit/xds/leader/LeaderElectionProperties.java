package io.ambit.xds.leader;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The writer lease ({@code ambit.xds.leader-election.*}, Kubernetes mode). Defaults are Kubernetes'
 * own controllers' (client-go's leader election: 15 s lease, 10 s renew deadline, 2 s retry).
 *
 * @param namespace     where the Lease lives (the control plane's namespace)
 * @param leaseName     the Lease's name
 * @param leaseDuration how long a holder that stops renewing keeps it
 * @param renewDeadline how long the holder keeps trying to renew before it gives up writing
 * @param retryPeriod   how often candidates try, and the holder renews
 */
@ConfigurationProperties("ambit.xds.leader-election")
public record LeaderElectionProperties(
        @DefaultValue("istio-system") String namespace,
        @DefaultValue("ambit-xds-server-writer") String leaseName,
        @DefaultValue("15s") Duration leaseDuration,
        @DefaultValue("10s") Duration renewDeadline,
        @DefaultValue("2s") Duration retryPeriod) {

    public LeaderElectionProperties {
        if (!(retryPeriod.isPositive() && retryPeriod.compareTo(renewDeadline) < 0 && renewDeadline.compareTo(leaseDuration) < 0)) {
            throw new IllegalArgumentException("ambit.xds.leader-election: need 0 < retry-period < renew-deadline < lease-duration, got "
                    + retryPeriod + ", " + renewDeadline + ", " + leaseDuration);
        }
    }
}
