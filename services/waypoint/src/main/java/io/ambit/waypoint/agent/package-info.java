/** One waypoint instance's control-plane side: certificate, ADS session, data path start-up, readiness. */
package io.ambit.waypoint.agent;
