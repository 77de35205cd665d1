package io.ambit.lab;

import io.ambit.testkit.RequiresRoot;

/** {@link WaypointScenarios} in network namespaces: the waypoint in its own pod namespace, pods captured in-pod. */
@RequiresRoot("builds a lab of network namespaces and runs the mesh and a waypoint in it")
class WaypointScenariosRootTest extends WaypointScenarios {

    @Override
    Lab.Options options(Lab.Options forTests) {
        return forTests;
    }
}
