package io.ambit.lab;

/**
 * {@link WaypointScenarios} on the host, no root needed (as {@code ./mesh up} runs for an ordinary
 * user): pods and the waypoint at loopback addresses, applications reaching ztunnel through SOCKS5.
 */
class WaypointScenariosHostTest extends WaypointScenarios {

    @Override
    Lab.Options options(Lab.Options forTests) {
        return forTests.onTheHost();
    }
}
