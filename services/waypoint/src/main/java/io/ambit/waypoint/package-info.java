/** The waypoint service: Spring Boot application and its settings ({@code ambit.waypoint.*}). */
package io.ambit.waypoint;
