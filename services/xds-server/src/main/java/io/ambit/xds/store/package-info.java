/**
 * The config store's local backend, first part: Kubernetes YAML parsed strictly
 * ({@link io.ambit.xds.store.KubeYamlParser}: unknown kinds, unknown fields and type mismatches
 * are refused with file, line and field) into an in-memory store that swaps whole snapshots
 * ({@link io.ambit.xds.store.LocalConfigStore}), so a bad file never leaves half a change behind.
 */
package io.ambit.xds.store;
